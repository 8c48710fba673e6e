package dev.iolite.server.jobs;

/**
 * Failures a test can inject at a job stage, to prove that no job hangs and no stop waits forever:
 * the system property {@code iolite.test.fault} set to {@code POINT:KIND}, where POINT is
 * {@code import-reader} or {@code export-scanner} and KIND is {@code oom} (an OutOfMemoryError),
 * {@code error} (another Error) or {@code stall} (the stage stops moving and ignores interrupts, as a
 * read from a peer that never answers does). Unset, as in every real deployment, it does nothing.
 */
enum StageFaults {
    IMPORT_READER("import-reader"), EXPORT_SCANNER("export-scanner");

    static final String PROPERTY = "iolite.test.fault";
    private final String point;

    StageFaults(String point) { this.point = point; }

    /** Called by the stage after each item it hands over. */
    static void reach(StageFaults at) {
        String fault = System.getProperty(PROPERTY);
        if (fault == null || !fault.startsWith(at.point + ":")) return;
        switch (fault.substring(at.point.length() + 1)) {
            case "oom" -> throw new OutOfMemoryError("Java heap space (injected at " + at.point + ")");
            case "error" -> throw new AssertionError("injected at " + at.point);
            case "stall" -> {
                while (true) {
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        // stuck as a blocking read is: an interrupt does not free it
                    }
                }
            }
            default -> { }
        }
    }
}
