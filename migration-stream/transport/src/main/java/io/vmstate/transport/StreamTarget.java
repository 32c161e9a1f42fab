package io.vmstate.transport;

import java.io.IOException;

/**
 * A framed destination that can take a whole QEMU stream ("whole-stream" sessions): the stream's
 * bytes go to a reception as they arrive, and the reception keeps them only if everything decoded
 * and {@code check} passed.
 */
interface StreamTarget {
  /** Starts the reception; {@code sectionDone} runs once per device section decoded. */
  EventLoopSink.Reception openStream(Runnable sectionDone, RawStreamSink.FileCheck check)
      throws IOException;

  /** Whether this target also takes device sections alone (a session without "whole-stream"). */
  boolean takesDeviceStateOnly();
}
