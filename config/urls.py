import os

from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "Stackwise editors"
admin.site.site_title = "Stackwise editors"
admin.site.index_title = "Knowledge base"

handler500 = "config.views.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # The admin's own sign-in view behind a per-address rate limit: reverse("admin:login") is
    # still this URL.
    path("admin/login/", views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("advisor/", include("advisor.urls")),
    path("api/", include("api.urls")),
    path("", include("comparisons.urls")),
]

if os.environ.get("DJANGO_BENCH_HELLO") == "1":
    urlpatterns.insert(0, path("bench/hello", views.hello))
