package io.vmstate.transport;

import static com.google.common.base.Preconditions.checkNotNull;

import io.netty.buffer.ByteBuf;
import io.vmstate.api.VmStateException;
import java.util.function.Function;

/**
 * A raw sink that only decodes: each received buffer goes through an {@link IncrementalDecoder} on
 * the event loop, and the decoder finishes (its {@link IncrementalDecoder.Sections#end}, e.g. a
 * registry commit) once the peer closed the connection after a complete stream. Nothing is kept
 * when the migration fails.
 */
final class DecodingReceiver implements EventLoopSink {
  private final Function<Runnable, IncrementalDecoder> decoders;

  DecodingReceiver(Function<Runnable, IncrementalDecoder> decoders) {
    this.decoders = checkNotNull(decoders, "decoders");
  }

  @Override
  public Reception open(Runnable sectionDone) {
    IncrementalDecoder d = decoders.apply(sectionDone);
    return new Reception() {
      @Override
      public void write(ByteBuf buf) throws VmStateException {
        d.feed(buf);
      }

      @Override
      public long bytes() {
        return d.received();
      }

      @Override
      public void complete() throws VmStateException {
        d.finish();
      }

      @Override
      public void abort() {}
    };
  }
}
