package dev.iolite.server.registry;

/** Device counts of a hub (modules are not counted), kept as counters (DESIGN principle 5). */
public record RegistryCounts(long totalDeviceCount, long enabledDeviceCount, long disabledDeviceCount) {}
