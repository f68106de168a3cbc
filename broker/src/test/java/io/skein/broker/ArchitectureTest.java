package io.skein.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * kafka-clients' internal protocol packages move between releases, so only the adapter package
 * {@code io.skein.broker.kafka} may import them (see its package-info).
 */
class ArchitectureTest {
    private static final Path MAIN = Path.of("src/main/java");
    private static final Pattern INTERNAL = Pattern.compile(
            "^import (static )?org\\.apache\\.kafka\\.(clients\\.consumer\\.internals|common\\.(requests|record|network"
                    + "|utils|internals|protocol\\.(?!Errors;|ApiKeys;|ApiMessage;)))", Pattern.MULTILINE);

    @Test
    void onlyTheAdapterPackageImportsKafkaClientsInternals() throws IOException {
        List<String> offenders;
        try (Stream<Path> sources = Files.walk(MAIN)) {
            offenders = sources.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !p.startsWith(MAIN.resolve("io/skein/broker/kafka")))
                    .filter(ArchitectureTest::importsInternals)
                    .map(Path::toString).toList();
        }
        assertEquals(List.of(), offenders);
    }

    private static boolean importsInternals(Path source) {
        try {
            return INTERNAL.matcher(Files.readString(source, StandardCharsets.UTF_8)).find();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
