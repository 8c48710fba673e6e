package dev.iolite.server.store;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Where the registry lives: {@code postgresql://USER:PASSWORD@HOST:PORT/DB} (or the JDBC form
 * {@code jdbc:postgresql://HOST:PORT/DB?user=U&password=P}); no URL means SQLite in the data dir.
 *
 * @param jdbcUrl  the JDBC URL without credentials
 * @param user     the user, or null
 * @param password the password, or null
 */
public record StoreUrl(String jdbcUrl, String user, String password) {

    /** Parses a store URL; throws IllegalArgumentException naming what is wrong. */
    public static StoreUrl parse(String text) {
        String t = text.trim();
        if (t.startsWith("jdbc:postgresql://")) return new StoreUrl(t, null, null);
        if (!t.startsWith("postgresql://") && !t.startsWith("postgres://")) {
            throw new IllegalArgumentException("--store must be postgresql://USER:PASSWORD@HOST:PORT/DB or "
                    + "jdbc:postgresql://HOST:PORT/DB, not '" + redact(t) + "'");
        }
        URI uri;
        try {
            uri = URI.create(t);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--store is not a valid URL: " + redact(t));
        }
        if (uri.getHost() == null || uri.getPath() == null || uri.getPath().length() < 2) {
            throw new IllegalArgumentException("--store needs a host and a database: postgresql://USER:PASSWORD@HOST:PORT/DB");
        }
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
            if (parts.length == 2) password = URLDecoder.decode(parts[1], StandardCharsets.UTF_8);
        }
        String jdbc = "jdbc:postgresql://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
                + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        return new StoreUrl(jdbc, user, password);
    }

    /** The URL with any password replaced, for messages and logs. */
    public static String redact(String url) {
        return url.replaceAll("://([^:/@]*):[^@]*@", "://$1:***@").replaceAll("password=[^&]*", "password=***");
    }

    @Override
    public String toString() { return redact(jdbcUrl) + (user == null ? "" : " as " + user); }
}
