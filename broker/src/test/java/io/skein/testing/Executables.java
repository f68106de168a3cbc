package io.skein.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The machine's own programs a test runs (Debian's promtool, chromium, chromedriver), found on the PATH. */
public final class Executables {
    private Executables() {
    }

    /** The first of {@code names} found executable on the PATH, if any. */
    public static Optional<Path> onPath(String... names) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : names) {
                Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }
}
