package dev.iolite.cli;

import dev.iolite.client.models.JobResponse;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressLineTest {
    private static JobResponse running() {
        JobResponse j = new JobResponse();
        j.setType(dev.iolite.client.models.JobType.IMPORT);
        j.setStatus(dev.iolite.client.models.JobStatus.RUNNING);
        j.setProgress(42);
        j.setDevicesProcessed(1_234_567L);
        j.setDevicesFailed(89L);
        j.setDevicesPerSecond(123_456.0);
        j.setEtaSeconds(125L);
        return j;
    }

    @Test
    void theLineNeverReachesTheLastColumnAtAnyWidth() {
        for (int width = 1; width <= 240; width++) {
            assertThat(ProgressLine.fit(running(), width).length()).as("width " + width).isLessThanOrEqualTo(Math.max(1, width - 1));
        }
    }

    @Test
    void theBarKeepsItsWidthWhileTheNumbersChange() {
        JobResponse early = running().setProgress(1).setDevicesProcessed(5L).setEtaSeconds(null).setDevicesPerSecond(null);
        assertThat(ProgressLine.fit(early, 80).indexOf(']')).isEqualTo(ProgressLine.fit(running(), 80).indexOf(']'));
    }

    @Test
    void aNarrowTerminalDropsTheEtaThenTheRateThenTheCountsThenTheBar() {
        String wide = ProgressLine.fit(running(), 120);
        assertThat(wide).startsWith("[").contains("import running 42%").contains("1,234,567 done, 89 failed")
                .contains("123,456/s").contains("ETA 2m05s");
        String eighty = ProgressLine.fit(running(), 80);
        assertThat(eighty).startsWith("[").contains("123,456/s").doesNotContain("ETA");
        String seventy = ProgressLine.fit(running(), 70);
        assertThat(seventy).startsWith("[").contains("1,234,567 done").doesNotContain("/s").doesNotContain("ETA");
        String sixty = ProgressLine.fit(running(), 60);
        assertThat(sixty).startsWith("[").contains("import running 42%").doesNotContain("done");
        String forty = ProgressLine.fit(running(), 40);
        assertThat(forty).matches("\\[#+-+\\] import running 42%").doesNotContain("done");
        assertThat(ProgressLine.fit(running(), 25)).isEqualTo("import running 42%");
    }

    @Test
    void aScheduledJobsLongerTypeStillFitsEightyColumnsWithItsCounts() {
        JobResponse twin = running().setType(dev.iolite.client.models.JobType.SCHEDULE_UPDATE_TWIN).setEtaSeconds(null)
                .setDevicesPerSecond(null);
        String eighty = ProgressLine.fit(twin, 80);
        assertThat(eighty).hasSizeLessThan(80).startsWith("[").contains("scheduleUpdateTwin running 42%")
                .contains("1,234,567 done, 89 failed");
    }
}
