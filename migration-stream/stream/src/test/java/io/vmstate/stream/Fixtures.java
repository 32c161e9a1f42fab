package io.vmstate.stream;

import io.vmstate.codec.WireInput;
import io.vmstate.stream.vmdesc.VmdescLocator;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Real QEMU 7.2 streams and the goldens QEMU's analyze-migration.py printed for them. */
final class Fixtures {
  /**
   * Every real QEMU 7.2 stream with analyzer goldens (the testkit's, under its {@code streams/}).
   */
  static final List<String> NAMES =
      List.of(
          "virt-gicv3-smp2",
          "gicv2-1cpu",
          "gicv2-virt",
          "gicv3-its-4cpu",
          "gicv3-64cpu",
          "gicv3-virt-6.2");

  private Fixtures() {}

  static byte[] bytes(String resource) {
    try (InputStream in =
        Fixtures.class.getResourceAsStream("/io/vmstate/testkit/streams/" + resource)) {
      if (in == null) {
        throw new IllegalStateException("missing fixture " + resource);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] stream(String name) {
    return bytes(name + ".qemu");
  }

  static String golden(String name, String kind) {
    return new String(bytes(name + ".analyze-" + kind + ".json"), StandardCharsets.UTF_8);
  }

  /**
   * A reader over {@code data} with its vmdesc located first; {@code chunk1} reads 1 byte at a
   * time.
   */
  static MigrationStreamReader reader(byte[] data, boolean chunk1) throws Exception {
    InputStream in = chunk1 ? new OneByte(data) : new ByteArrayInputStream(data);
    return new MigrationStreamReader(
        WireInput.of(in), ReaderOptions.DEFAULT.withVmdesc(VmdescLocator.scan(data, 0)));
  }

  /** Returns at most one byte per read. */
  static final class OneByte extends ByteArrayInputStream {
    OneByte(byte[] b) {
      super(b);
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) {
      return super.read(b, off, Math.min(len, 1));
    }
  }
}
