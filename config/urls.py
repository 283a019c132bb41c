from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Stackwise editors"
admin.site.site_title = "Stackwise editors"
admin.site.index_title = "Knowledge base"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("advisor/", include("advisor.urls")),
    path("", include("comparisons.urls")),
]
