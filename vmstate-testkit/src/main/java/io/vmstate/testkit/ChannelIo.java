package io.vmstate.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Direct channel writes. (Not {@code Channels.newOutputStream}: its writes take the channel's
 * blocking lock, which a concurrent blocking read in the reader thread holds, so they would
 * deadlock.)
 */
final class ChannelIo {
  private ChannelIo() {}

  static void writeFully(SocketChannel channel, byte[] data) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(data);
    while (b.hasRemaining()) {
      channel.write(b);
    }
  }
}
