package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/configuration.md is what {@code skein config list -o markdown} prints from the definitions in force. */
class ConfigurationDocTest {
    private static final Path DOC = Path.of("..", "docs", "configuration.md");

    @Test
    void theCheckedInReferenceIsTheGeneratedOne() throws Exception {
        CliRun generated = CliRun.skein("config", "list", "-o", "markdown");
        assertEquals(0, generated.exitCode(), generated.err());
        assertEquals(generated.out(), Files.readString(DOC, StandardCharsets.UTF_8),
                "docs/configuration.md differs from the config definitions; regenerate it from the repository's root: "
                        + ConfigMarkdown.REGENERATE);
    }
}
