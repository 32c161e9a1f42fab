package io.vmstate.transport;

import java.time.Duration;

/** What a finished migration moved: stream or section bytes, sections, and how long it took. */
public record MigrationResult(long bytes, int sections, Duration elapsed) {}
