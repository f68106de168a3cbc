package io.skein.cli;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Chooses a {@code skein} process's logging before anything logs. A node ({@code server start}) logs
 * to the console, INFO and up, the libraries quieter ({@link #SERVER_CONFIG}); every other command logs
 * only warnings, to stderr, so that what it prints is its answer alone ({@link #CLI_CONFIG}). A file
 * named by {@code -Dskein.log.config} (such as the distribution's {@code config/log4j2.xml}) or by
 * Log4j2's own {@code -Dlog4j2.configurationFile} replaces either. {@code SKEIN_LOG_LEVEL} sets the
 * root level in all of them ({@code ${env:SKEIN_LOG_LEVEL:-...}}), so it is checked here, where a typo
 * can still be reported instead of Log4j2 quietly falling back to ERROR.
 */
final class LogSetup {
    static final String CONFIG_PROPERTY = "skein.log.config";
    static final String LOG4J_CONFIG_PROPERTY = "log4j2.configurationFile";
    static final String LEVEL_VARIABLE = "SKEIN_LOG_LEVEL";
    static final String SERVER_CONFIG = "classpath:io/skein/cli/log4j2-server.xml";
    static final String CLI_CONFIG = "classpath:io/skein/cli/log4j2-cli.xml";
    private static final Set<String> LEVELS = Set.of("OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL");

    private LogSetup() {
    }

    /**
     * Points Log4j2 at the configuration for {@code args} and java.util.logging (gRPC's) at Log4j2, by
     * system properties that a {@code -D} of the same name overrides. Returns what is wrong with the
     * environment's logging settings, if anything; then nothing is set.
     */
    static Optional<String> configure(String[] args, Map<String, String> environment) {
        String level = environment.get(LEVEL_VARIABLE);
        if (level != null && !LEVELS.contains(level.toUpperCase(Locale.ROOT))) {
            return Optional.of(LEVEL_VARIABLE + "=" + level + " is not a log level: use one of "
                    + "ERROR, WARN, INFO, DEBUG, TRACE (or OFF, FATAL, ALL)");
        }
        String chosen = System.getProperty(CONFIG_PROPERTY);
        setUnlessGiven(LOG4J_CONFIG_PROPERTY, chosen != null ? chosen : isServerStart(args) ? SERVER_CONFIG : CLI_CONFIG);
        // java.util.logging's loggers (gRPC's) become Log4j2's, with its levels: read before anything
        // asks for one, which nothing has yet.
        setUnlessGiven("java.util.logging.manager", "org.apache.logging.log4j.jul.LogManager");
        // Log4j2's own hook would stop logging while the node's hook still shuts it down (and log it):
        // its appenders flush every line, so there is nothing for a hook of its own to do.
        setUnlessGiven("log4j2.shutdownHookEnabled", "false");
        return Optional.empty();
    }

    private static void setUnlessGiven(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    static boolean isServerStart(String[] args) {
        return args.length >= 2 && args[0].equals("server") && args[1].equals("start");
    }
}
