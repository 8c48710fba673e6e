package dev.iolite.server.blob;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Block staging and commits of a {@code file:} container, on the real file system. */
class LocalFolderContainerTest {
    @TempDir
    Path folder;

    private LocalFolderContainer container() {
        return new LocalFolderContainer(folder, "file:test");
    }

    private static void stage(LocalFolderContainer c, String id, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        c.stageBlock("out.txt", id, b, b.length);
    }

    private String blob() throws IOException {
        return Files.readString(folder.resolve("out.txt"));
    }

    private Path staging() {
        return folder.resolve(LocalFolderContainer.STAGING).resolve("out.txt");
    }

    @Test
    void blocksStagedInOrderBecomeTheBlobWithoutACopy() throws IOException {
        LocalFolderContainer c = container();
        stage(c, "exp-0000000000000000", "a\n");
        stage(c, "exp-0000000000000001", "b\n");
        stage(c, "exp-0000000000000002", "c\n");
        Object runFile = Files.readAttributes(staging().resolve("run"), "unix:ino").get("ino");
        c.commit("out.txt", List.of("exp-0000000000000000", "exp-0000000000000001", "exp-0000000000000002"));
        assertThat(blob()).isEqualTo("a\nb\nc\n");
        assertThat(Files.readAttributes(folder.resolve("out.txt"), "unix:ino").get("ino")).as("the run, renamed")
                .isEqualTo(runFile);
        assertThat(staging()).doesNotExist();
    }

    @Test
    void aCommitOfTheRunsFirstBlocksLeavesOutTheRest() throws IOException {
        LocalFolderContainer c = container();
        stage(c, "log-0000000000000000", "a\n");
        stage(c, "log-0000000000000001", "b\n");
        c.commit("out.txt", List.of("log-0000000000000000"));
        assertThat(blob()).isEqualTo("a\n");
        c.commit("out.txt", List.of());
        assertThat(blob()).as("no blocks: an empty blob").isEmpty();
    }

    @Test
    void restagingABlockReplacesItAndDropsTheBlocksAfterIt() throws IOException {
        // GIVEN a run of three blocks, staged by a job that then crashed before checkpointing the last two
        stage(container(), "exp-0000000000000000", "a\n");
        stage(container(), "exp-0000000000000001", "stale-b\n");
        stage(container(), "exp-0000000000000002", "stale-c\n");
        // WHEN the resumed job (a new container object) stages them again, shorter this time
        LocalFolderContainer resumed = container();
        stage(resumed, "exp-0000000000000001", "b\n");
        stage(resumed, "exp-0000000000000002", "c\n");
        resumed.commit("out.txt", List.of("exp-0000000000000000", "exp-0000000000000001", "exp-0000000000000002"));
        // THEN the blob holds the new blocks only
        assertThat(blob()).isEqualTo("a\nb\nc\n");
    }

    @Test
    void anIndexLineCutShortByACrashIsNotPartOfTheRun() throws IOException {
        stage(container(), "exp-0000000000000000", "a\n");
        stage(container(), "exp-0000000000000001", "b\n");
        Path index = staging().resolve("run.index");
        String text = Files.readString(index);
        Files.writeString(index, text.substring(0, text.length() - 3), StandardOpenOption.TRUNCATE_EXISTING);
        LocalFolderContainer resumed = container();
        stage(resumed, "exp-0000000000000001", "B\n");
        resumed.commit("out.txt", List.of("exp-0000000000000000", "exp-0000000000000001"));
        assertThat(blob()).isEqualTo("a\nB\n");
    }

    @Test
    void blocksOutOfOrderOrInAnotherOrderAreCopiedIntoPlace() throws IOException {
        LocalFolderContainer c = container();
        stage(c, "blk-0000000000000002", "c\n");
        stage(c, "blk-0000000000000000", "a\n"); // before the run's last: kept alone
        stage(c, "blk-0000000000000003", "d\n");
        c.commit("out.txt", List.of("blk-0000000000000003", "blk-0000000000000000", "blk-0000000000000002"));
        assertThat(blob()).isEqualTo("d\na\nc\n");

        stage(c, "blk-0000000000000000", "a\n");
        assertThatThrownBy(() -> c.commit("out.txt", List.of("blk-0000000000000000", "blk-0000000000000009")))
                .isInstanceOf(IOException.class).hasMessageContaining("blk-0000000000000009");
        assertThat(blob()).as("a failed commit leaves the blob as it was").isEqualTo("d\na\nc\n");
    }
}
