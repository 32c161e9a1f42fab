package io.vmstate.transport;

import io.vmstate.api.SectionRef;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.api.WireType;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.WireInput;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The check {@code receive} makes of the file it staged before it moves it into place (lossless by
 * construction, the receiving side of {@link io.vmstate.stream.OutputCheck}): the file must hold
 * what arrived.
 *
 * <ul>
 *   <li>A raw (or whole-stream) reception writes the bytes to the file as they arrive and decodes
 *       the same buffers; a {@link Received} digest (length and CRC32C) is kept of them on the way,
 *       and the staged file is read back and must have the same digest. Bytes that arrived and
 *       decoded, and a file equal to them, make a file that decodes.
 *   <li>A device-state reception writes a stream of its own from the received section bodies; it is
 *       read back with a {@link MigrationStreamReader} (header, each section's header and footer,
 *       EOF, nothing after) and every body must be the received one, byte for byte, under the same
 *       section id, idstr, instance and version.
 * </ul>
 *
 * A difference fails with {@link VmStateEncodeException#outputChanged} naming the section (or the
 * byte count), and the caller deletes the staged file.
 */
final class ReceivedFileCheck {
  private ReceivedFileCheck() {}

  /** Length and CRC32C of the bytes received, updated as they arrive. */
  static final class Received {
    private final CRC32C crc = new CRC32C();
    private long length;

    /** Adds the remaining bytes of {@code b} without consuming them. */
    void update(ByteBuffer b) {
      length += b.remaining();
      crc.update(b.duplicate());
    }

    /** Fails unless {@code staged} holds exactly the bytes received. */
    void check(Path staged) throws IOException, VmStateEncodeException {
      CRC32C fileCrc = new CRC32C();
      long fileLength = 0;
      ByteBuffer buf = ByteBuffer.allocate(1 << 20);
      try (FileChannel ch = FileChannel.open(staged, StandardOpenOption.READ)) {
        while (ch.read(buf) >= 0) {
          buf.flip();
          fileLength += buf.remaining();
          fileCrc.update(buf);
          buf.clear();
        }
      }
      if (fileLength != length || fileCrc.getValue() != crc.getValue()) {
        throw VmStateEncodeException.outputChanged(
            String.format(
                "the staged file %s holds %d bytes (crc32c %08x), not the %d bytes received"
                    + " (crc32c %08x)",
                staged, fileLength, fileCrc.getValue(), length, crc.getValue()));
      }
    }
  }

  /**
   * Fails unless the device-state stream {@code staged} holds exactly {@code sections}: each body
   * byte for byte, under its own section header and footer, in order, then EOF and nothing else.
   */
  static void deviceState(Path staged, List<SectionData> sections)
      throws IOException, VmStateException {
    try (InputStream in = Files.newInputStream(staged)) {
      MigrationStreamReader r =
          new MigrationStreamReader(
              WireInput.of(in), ReaderOptions.DEFAULT.withRequireVmdesc(false));
      int next = 0;
      for (StreamEvent e = r.next(); e != null; e = r.next()) {
        if (e instanceof StreamEvent.Section s) {
          SectionData want = next < sections.size() ? sections.get(next) : null;
          next++;
          if (want == null
              || s.sectionId() != want.sectionId()
              || !s.section().equals(want.ref())
              || s.isRam()) {
            throw VmStateEncodeException.outputChanged(
                    "the staged file "
                        + staged
                        + " holds section "
                        + s.section()
                        + " (id "
                        + s.sectionId()
                        + ") where "
                        + (want == null
                            ? "no more sections"
                            : want.ref() + " (id " + want.sectionId() + ")")
                        + " arrived")
                .inSection(s.section());
          }
          byte[] body = want.data().toByteArray();
          StateRecord read = new StateRecord("body");
          r.readDevice(bodyOf(want.ref(), body.length), read);
          int m = Arrays.mismatch(body, read.bytes("body", WireType.BUFFER, body.length));
          if (m >= 0) {
            throw VmStateEncodeException.outputChanged(
                    "the staged file "
                        + staged
                        + " differs from the section received at body byte "
                        + m)
                .inSection(s.section());
          }
        }
      }
      if (next != sections.size()) {
        throw VmStateEncodeException.outputChanged(
            "the staged file "
                + staged
                + " holds "
                + next
                + " of the "
                + sections.size()
                + " sections received");
      }
    }
  }

  /** A description that reads a body of {@code length} bytes as one buffer. */
  private static VmStateDescription<StateRecord> bodyOf(SectionRef ref, int length) {
    return VmStateDescription.<StateRecord>named("body")
        .version(ref.versionId())
        .minimumVersion(0)
        .buffer("body", r -> r.bytes("body", WireType.BUFFER, length), length)
        .build();
  }
}
