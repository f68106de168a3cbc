package io.skein.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code skein --version}: the release and the commit it was built from, which the build writes into
 * {@code version.properties} ("unknown" for a build outside a git checkout).
 */
final class SkeinVersion implements IVersionProvider {
    static final String RESOURCE = "version.properties";

    @Override
    public String[] getVersion() {
        Properties properties = new Properties();
        try (InputStream in = SkeinVersion.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the skein jar: build it with Maven");
            }
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new String[] {"skein " + properties.getProperty("version") + " (commit "
                + properties.getProperty("commit") + ")"};
    }
}
