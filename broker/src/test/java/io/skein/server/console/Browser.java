package io.skein.server.console;

import io.skein.testing.Executables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's {@code chromium}, headless, driven through its {@code chromedriver} (both installed by
 * {@code .ci/run}); Selenium is handed both, so it never looks for or downloads a browser of its
 * own. Where they are missing the browser tests are skipped, saying how to get them; with
 * {@code -Dskein.browser.required=true} (CI) they fail instead.
 */
final class Browser {
    static final String REQUIRED = "skein.browser.required";
    /** Where screenshots go: the module's target, kept by CI as test artifacts. */
    static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

    private Browser() {
    }

    static ChromeDriver start() {
        Optional<Path> chromium = Executables.onPath("chromium", "chromium-browser");
        Optional<Path> driver = Executables.onPath("chromedriver");
        if (chromium.isEmpty() || driver.isEmpty()) {
            String why = "chromium and chromedriver are not on the PATH: install Debian's chromium and chromium-driver "
                    + "(apt-get install -y --no-install-recommends chromium chromium-driver) to test the console in a browser";
            if (Boolean.getBoolean(REQUIRED)) {
                throw new AssertionError(why + " (" + REQUIRED + "=true)");
            }
            Assumptions.abort(why);
        }
        ChromeOptions options = new ChromeOptions().setBinary(chromium.get().toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--window-size=1280,1400", "--lang=en-US");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.get().toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    /**
     * Reloads the page until {@code holds} says yes of it (an element it looks for may be missing
     * meanwhile); fails at {@code within}, saying what the page showed.
     */
    static void reloadUntil(ChromeDriver browser, String what, Duration within, Callable<Boolean> holds) {
        try {
            Awaitility.await(what).atMost(within).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
                browser.navigate().refresh();
                return holds.call();
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(what + " within " + within + "; the page showed:\n"
                    + browser.findElement(By.tagName("main")).getText(), e);
        }
    }

    /** Saves what the browser shows as {@code target/console-screenshots/NAME.png}. */
    static Path screenshot(ChromeDriver browser, String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Path file = SCREENSHOTS.resolve(name + ".png");
        Files.write(file, browser.getScreenshotAs(OutputType.BYTES));
        return file;
    }
}
