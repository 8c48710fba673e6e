package dev.iolite.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version and build of this server: the project's version, the commit it was built from and when. */
public record BuildInfo(String version, String commit, String time, boolean dirty) {
    private static final String RESOURCE = "/dev/iolite/server/build.properties";

    /** Read from the properties the build writes; "development" for classes that no build packaged. */
    public static BuildInfo current() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            // the same as no file: a development build
        }
        return new BuildInfo(p.getProperty("git.build.version", "development"),
                p.getProperty("git.commit.id.abbrev", ""), p.getProperty("git.build.time", ""),
                Boolean.parseBoolean(p.getProperty("git.dirty", "false")));
    }

    @Override
    public String toString() {
        if (commit.isEmpty()) return version;
        return version + " (build " + commit + (dirty ? "+changes" : "") + (time.isEmpty() ? "" : ", " + time) + ")";
    }
}
