package io.vmstate.transport;

import io.vmstate.api.VmStateException;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a whole raw migration stream (what QEMU's {@code -incoming} expects) to {@code out}. Runs
 * on a producer thread of its own; {@code out} blocks while the channel is not writable, so the
 * producer runs at the network's pace with bounded memory.
 */
@FunctionalInterface
public interface StreamProducer {
  /** Writes the whole stream to {@code out}; throwing fails the migration. */
  void writeTo(OutputStream out) throws IOException, VmStateException;
}
