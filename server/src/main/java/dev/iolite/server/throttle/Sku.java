package dev.iolite.server.throttle;

import java.util.Locale;

/**
 * The tier and units whose rates {@code --throttle} applies to every hub (IoT Hub's {@code sku.name} and
 * {@code sku.capacity}).
 *
 * @param tier  S1, S2 or S3
 * @param units 1 to {@link #MAX_UNITS}
 */
public record Sku(Tier tier, int units) {
    /** The most units a hub may have here; IoT Hub sells at most 200 units of S1 or S2 and 10 of S3. */
    public static final int MAX_UNITS = 200;

    public Sku {
        if (tier == null) throw new IllegalArgumentException("--throttle needs a tier: S1, S2 or S3");
        if (units < 1 || units > MAX_UNITS) {
            throw new IllegalArgumentException("--throttle units must be 1 to " + MAX_UNITS + ", not " + units);
        }
    }

    /**
     * Parses {@code S1}, {@code S2:4} and the like (case-insensitive; one unit when none is given).
     *
     * @throws IllegalArgumentException naming {@code --throttle} and what it accepts
     */
    public static Sku parse(String text) {
        String t = text == null ? "" : text.trim();
        int colon = t.indexOf(':');
        String name = (colon < 0 ? t : t.substring(0, colon)).toUpperCase(Locale.ROOT);
        Tier tier;
        try {
            tier = Tier.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--throttle must be S1, S2 or S3, optionally with :UNITS (such as S1:2), not '"
                    + text + "'");
        }
        if (colon < 0) return new Sku(tier, 1);
        try {
            return new Sku(tier, Integer.parseInt(t.substring(colon + 1).trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--throttle units must be a whole number, not '" + t.substring(colon + 1) + "'");
        }
    }

    /** The rate of {@code op} for one hub. */
    public Rate rate(Operation op) { return tier.rate(op, units); }

    @Override
    public String toString() { return tier + ":" + units; }
}
