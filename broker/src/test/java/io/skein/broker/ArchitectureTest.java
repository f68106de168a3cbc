package io.skein.broker;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

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
 * The dependency rules of Skein's packages, checked on the compiled classes of every module: no
 * package cycles (a package may use those below it, never one that uses it back); the controller's
 * managers are functions of an image and a request, with no quorum, clock or thread of their own;
 * and kafka-clients' internal protocol packages, which move between releases, are imported only by
 * the adapter package {@code io.skein.broker.kafka} (see its package-info), and so are its TLS and SASL
 * classes (every {@code common.security} package but the principals of {@code common.security.auth}).
 */
class ArchitectureTest {
    private static final JavaClasses SKEIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.skein");

    @Test
    void packagesHaveNoCycles() {
        slices().matching("io.skein.(**)").should().beFreeOfCycles().check(SKEIN);
    }

    @Test
    void controllerManagersOwnNoQuorumClockOrThread() {
        noClasses().that().haveSimpleNameEndingWith("ControlManager")
                .should().dependOnClassesThat().resideInAnyPackage("io.skein.metadata.quorum..", "org.apache.ratis..",
                        "java.util.concurrent..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.time.Clock")
                .check(SKEIN);
    }

    @Test
    void theControllerReachesTheQuorumOnlyThroughControllerQuorum() {
        noClasses().that().haveFullyQualifiedName("io.skein.metadata.controller.QuorumController")
                .should().dependOnClassesThat().haveFullyQualifiedName("io.skein.metadata.quorum.MetadataQuorum")
                .orShould().dependOnClassesThat().resideInAPackage("org.apache.ratis..")
                .check(SKEIN);
    }

    private static final Path MAIN = Path.of("src/main/java");
    private static final Pattern INTERNAL = Pattern.compile(
            "^import (static )?org\\.apache\\.kafka\\.(clients\\.consumer\\.internals|common\\.(requests|record|network"
                    + "|utils|internals|security\\.(?!auth\\.)|protocol\\.(?!Errors;|ApiKeys;|ApiMessage;)))",
            Pattern.MULTILINE);

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
