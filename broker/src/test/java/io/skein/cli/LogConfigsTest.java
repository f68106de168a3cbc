package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The logging configurations skein chooses from, and what it checks before choosing. */
class LogConfigsTest {
    /** The distribution's file, from the source tree (tests run in the module's directory). */
    private static final Path SHIPPED = Path.of("..", "config", "log4j2.xml");

    @Test
    void theShippedFileQuietsTheLibrariesAsTheBuiltInConsoleConfigurationDoes() throws Exception {
        Map<String, String> builtIn;
        try (InputStream in = LogConfigsTest.class.getResourceAsStream("log4j2-server.xml")) {
            builtIn = levels(in);
        }
        Map<String, String> shipped;
        try (InputStream in = Files.newInputStream(SHIPPED)) {
            shipped = levels(in);
        }
        assertEquals(builtIn, shipped);
        assertEquals("error", builtIn.get("org.apache.ratis.grpc.server.GrpcLogAppender"));
        assertEquals("${env:SKEIN_LOG_LEVEL:-info}", builtIn.get(""));
    }

    @Test
    void commandsOtherThanServerStartLogWarningsToStderr() throws Exception {
        try (InputStream in = LogConfigsTest.class.getResourceAsStream("log4j2-cli.xml")) {
            assertEquals("${env:SKEIN_LOG_LEVEL:-warn}", levels(in).get(""));
        }
        assertTrue(LogSetup.isServerStart(new String[] {"server", "start", "--config", "x"}));
        assertFalse(LogSetup.isServerStart(new String[] {"server", "--help"}));
        assertFalse(LogSetup.isServerStart(new String[] {"topics", "list"}));
    }

    @Test
    void aLogLevelThatIsNoLevelIsRefusedBeforeLog4jWouldFallBackToErrors() {
        Optional<String> refused = LogSetup.configure(new String[] {"topics", "list"}, Map.of("SKEIN_LOG_LEVEL", "loud"));
        assertTrue(refused.orElseThrow().startsWith("SKEIN_LOG_LEVEL=loud is not a log level"), refused.toString());
    }

    /** Logger name to level; the root's under "". */
    private static Map<String, String> levels(InputStream xml) throws Exception {
        Element configuration = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml).getDocumentElement();
        Map<String, String> levels = new TreeMap<>();
        NodeList loggers = configuration.getElementsByTagName("Logger");
        for (int i = 0; i < loggers.getLength(); i++) {
            Element logger = (Element) loggers.item(i);
            levels.put(logger.getAttribute("name"), logger.getAttribute("level"));
        }
        levels.put("", ((Element) configuration.getElementsByTagName("Root").item(0)).getAttribute("level"));
        return levels;
    }
}
