"""Headless Debian Chromium, driven by Selenium, against pytest-django's live server.

Each browser gets a fresh profile (a new --user-data-dir, so no cookies are shared) and a
download folder of its own. When a test ends, pass or fail, a screenshot of the page each of its
browsers was showing is saved under `artefacts/` at the project root (not committed).

Chromium and ChromeDriver come from Debian (`make browser`); nothing is downloaded at run time.
If they are missing the tests fail and say so, unless STACKWISE_SKIP_BROWSER=1 asks to skip them.
"""

import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test.utils import override_settings
from pytest_django.live_server_helper import LiveServer
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTEFACTS = Path(__file__).resolve().parents[2] / "artefacts"
WAIT_SECONDS = 10
DOWNLOAD_SECONDS = 15

CHROMIUM_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1600",
    # Bootstrap scrolls smoothly unless the user prefers reduced motion, and a click that
    # WebDriver aims while the page is still scrolling lands on another element.
    "--force-prefers-reduced-motion",
)

# How Chromium words a Content-Security-Policy violation in the console.
CSP_MARKERS = ("Content Security Policy", "Refused to")
# Console messages about these paths come from the Django admin, not from the public site.
ADMIN_PATHS = ("/admin/", "/static/admin/")

# Each linked stylesheet's href and number of rules: 0 if it failed to load.
STYLESHEET_RULE_COUNTS = """
return Array.from(document.querySelectorAll("link[rel=stylesheet]")).map(link => {
  try { return [link.getAttribute("href"), link.sheet.cssRules.length]; }
  catch (error) { return [link.getAttribute("href"), 0]; }
});
"""
# Bootstrap's `.bg-dark` navbar: transparent if bootstrap.min.css did not load.
BOOTSTRAP_DARK = "rgb(33, 37, 41)"


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, speaking plain HTTP like the test client.

    SecurityMiddleware reads SECURE_SSL_REDIRECT once, when the server's handler loads the
    middleware at start-up: the per-test override in tests/conftest.py comes too late for a
    server that lives as long as the session, so the server starts under its own override.
    This replaces pytest-django's fixture of the same name and does what it does otherwise.
    """
    address = (
        request.config.getvalue("liveserver")
        or os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    with override_settings(SECURE_SSL_REDIRECT=False):
        server = LiveServer(address)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium_paths():
    """Debian's Chromium and ChromeDriver, or a failure that says how to install them."""
    if os.environ.get("STACKWISE_SKIP_BROWSER") == "1":
        pytest.skip("STACKWISE_SKIP_BROWSER=1: browser journeys skipped.")
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        pytest.fail(
            f"The browser journeys need Debian's chromium and chromium-driver, but "
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing. "
            "Run `make browser` (as root) to install them, or set STACKWISE_SKIP_BROWSER=1 "
            "to skip these tests on purpose.",
            pytrace=False,
        )
    return CHROMIUM, CHROMEDRIVER


def is_csp_violation(message):
    return any(marker in message for marker in CSP_MARKERS)


def is_about_admin(message):
    return any(path in message for path in ADMIN_PATHS)


class Browser:
    """One headless Chromium with a fresh profile, and the checks every journey repeats."""

    def __init__(self, name, base_url, chromium, chromedriver):
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.profile = Path(tempfile.mkdtemp(prefix=f"stackwise-{name}-profile-"))
        self.downloads = Path(tempfile.mkdtemp(prefix=f"stackwise-{name}-downloads-"))
        self.admin_csp_violations = []

        options = webdriver.ChromeOptions()
        options.binary_location = str(chromium)
        for argument in CHROMIUM_ARGS:
            options.add_argument(argument)
        options.add_argument(f"--user-data-dir={self.profile}")
        options.add_experimental_option(
            "prefs",
            {
                "download.default_directory": str(self.downloads),
                "download.prompt_for_download": False,
                "download.directory_upgrade": True,
                "safebrowsing.enabled": False,
            },
        )
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        try:
            self.driver = webdriver.Chrome(options=options, service=Service(str(chromedriver)))
        except WebDriverException:
            self._remove_folders()
            raise
        self.driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior",
            {"behavior": "allow", "downloadPath": str(self.downloads), "eventsEnabled": True},
        )
        self.wait = WebDriverWait(self.driver, WAIT_SECONDS)

    # --- Navigation -----------------------------------------------------------------------

    def url(self, path):
        return self.base_url + path

    def path(self):
        """The current page's path and query, without the live server's address."""
        parts = urlsplit(self.driver.current_url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def open(self, path):
        self.driver.get(self.url(path))
        self.wait.until(EC.presence_of_element_located((By.TAG_NAME, "body")))

    def open_public(self, path):
        """Open a page of the public site and check its styles and its console."""
        self.open(path)
        self.check_public_page()

    def find(self, css):
        return self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def visible(self, css):
        return self.wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))

    def clickable(self, css):
        return self.wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, css)))

    def wait_for_path(self, expected):
        """Wait until the browser is at the path `expected`, whatever the query string; or, when
        `expected` has a "?", at a path and query starting with it. Exact, so that waiting for a
        list after saving one of its items does not return while still on the item's page."""
        if "?" in expected:
            self.wait.until(lambda driver: self.path().startswith(expected))
        else:
            self.wait.until(lambda driver: urlsplit(driver.current_url).path == expected)

    def wait_for_path_under(self, prefix):
        """Wait until the browser is at a page whose path starts with `prefix`."""
        self.wait.until(lambda driver: urlsplit(driver.current_url).path.startswith(prefix))

    def text(self, css):
        return self.find(css).text

    def style(self, element, name):
        """The computed value of the CSS property `name` of `element`."""
        return self.driver.execute_script(
            "return getComputedStyle(arguments[0]).getPropertyValue(arguments[1]);", element, name
        )

    # --- Checks -----------------------------------------------------------------------------

    def check_public_page(self):
        """Bootstrap and the site's CSS applied, and no Content-Security-Policy violation."""
        self.find("main#content")
        sheets = self.driver.execute_script(STYLESHEET_RULE_COUNTS)
        assert sheets, "The page links no stylesheet."
        empty = [href for href, rules in sheets if not rules]
        assert not empty, f"Stylesheets that did not load on {self.path()}: {empty}"
        navbar = self.find("nav.navbar")
        assert self.style(navbar, "background-color") == BOOTSTRAP_DARK, (
            f"Bootstrap's CSS is not applied on {self.path()}: the navbar is not dark."
        )
        violations = self.csp_violations()
        assert not violations, f"Content-Security-Policy violations on {self.path()}: {violations}"

    def csp_violations(self):
        """The public site's CSP violations logged since the last call.

        The admin's are set aside in `admin_csp_violations` (reported, not failed on).
        """
        public = []
        for entry in self.driver.get_log("browser"):
            message = entry["message"]
            if not is_csp_violation(message):
                continue
            if is_about_admin(message):
                self.admin_csp_violations.append(message)
            else:
                public.append(message)
        return public

    def note_admin_console(self):
        """Read the console after an admin page, keeping its CSP violations for the report."""
        stray = self.csp_violations()
        self.admin_csp_violations.extend(stray)

    # --- Downloads --------------------------------------------------------------------------

    def downloaded_file(self, suffix, timeout=DOWNLOAD_SECONDS):
        """The one completed download ending in `suffix`, waited for up to `timeout` seconds."""

        def complete(_driver):
            names = [path.name for path in self.downloads.iterdir()]
            if any(name.endswith(".crdownload") for name in names):
                return False
            done = [self.downloads / name for name in names if name.endswith(suffix)]
            return done[0] if len(done) == 1 else False

        return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(
            complete, f"No complete {suffix} download in {self.downloads} after {timeout} s."
        )

    # --- End --------------------------------------------------------------------------------

    def save_screenshot(self, name=None):
        ARTEFACTS.mkdir(exist_ok=True)
        target = ARTEFACTS / f"{name or self.name}.png"
        self.driver.save_screenshot(str(target))
        return target

    def save_admin_console_report(self):
        target = ARTEFACTS / f"{self.name}-admin-csp.log"
        if self.admin_csp_violations:
            ARTEFACTS.mkdir(exist_ok=True)
            target.write_text("\n".join(self.admin_csp_violations) + "\n", encoding="utf-8")
        elif target.exists():
            target.unlink()

    def quit(self):
        try:
            self.driver.quit()
        finally:
            self._remove_folders()

    def _remove_folders(self):
        shutil.rmtree(self.profile, ignore_errors=True)
        shutil.rmtree(self.downloads, ignore_errors=True)


@pytest.fixture
def open_browser(chromium_paths, live_server):
    """A function that starts a fresh browser named `name`; all are closed when the test ends.

    At the end each browser's last page is saved as artefacts/<name>.png, also on failure.
    """
    chromium, chromedriver = chromium_paths
    browsers = []

    def start(name):
        browser = Browser(name, live_server.url, chromium, chromedriver)
        browsers.append(browser)
        return browser

    yield start

    for browser in browsers:
        try:
            browser.save_screenshot()
            browser.note_admin_console()
            browser.save_admin_console_report()
        except WebDriverException:
            pass  # A browser that crashed has no page to show; the test reports why.
        finally:
            browser.quit()
