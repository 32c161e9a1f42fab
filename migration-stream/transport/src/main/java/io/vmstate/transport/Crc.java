package io.vmstate.transport;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** CRC32C (Castagnoli) of section bytes, as carried in SectionFrame.crc32c. */
final class Crc {
  private Crc() {}

  static int of(ByteString data) {
    CRC32C crc = new CRC32C();
    for (ByteBuffer b : data.asReadOnlyByteBufferList()) {
      crc.update(b);
    }
    return (int) crc.getValue();
  }
}
