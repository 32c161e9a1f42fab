package io.vmstate.fuzz;

import io.vmstate.api.Field;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.SaveObserver;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.WireOutput;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamEvent;
import io.vmstate.stream.StreamSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * The ground truth of the precision survey: every item of every device section body of a stream,
 * with its byte span and field path, as the stream's own decoding places them. The body is decoded
 * through the vmdesc and saved again with a {@link SaveObserver} watching; a section whose re-save
 * is not byte-identical to the stream is left out (its spans would not be the stream's).
 *
 * <p>Items are leaves: a scalar, one element of a scalar array ({@code gicd_irouter[40]}), a
 * buffer, or a subsection header ({@code 0x05}, the name, the version) under the subsection's path.
 */
final class FieldMap {
  /** One item: bytes {@code [start, end)} of the stream, at {@code path}. */
  record Item(long start, long end, String path, boolean subsectionHeader) {
    boolean contains(long offset) {
      return offset >= start && offset < end;
    }
  }

  /** One device section body: {@code [start, end)}, its idstr, its items in stream order. */
  record Body(long start, long end, String idstr, List<Item> items) {
    boolean contains(long offset) {
      return offset >= start && offset < end;
    }
  }

  final List<Body> bodies = new ArrayList<>();

  /** The stream's device bodies (those whose vmdesc decoding re-saves byte for byte). */
  static FieldMap of(String name, byte[] stream) throws VmStateException {
    FieldMap map = new FieldMap();
    MigrationStreamReader r = StreamSource.of(name, stream).reader(ReaderOptions.DEFAULT);
    for (StreamEvent e = r.next(); e != null; e = r.next()) {
      if (!(e instanceof StreamEvent.Section s)) {
        continue;
      }
      if (s.isIterative()) {
        r.readRam(Targets.SKIP_PAGES);
        continue;
      }
      VmStateDescription<StateRecord> d = r.schemaFor(s.section());
      StateRecord rec = new StateRecord(d.name());
      r.readDevice(d, rec);
      long start = s.bodyOffset();
      long end = r.input().position();
      WireOutput out = WireOutput.toBytes();
      Recorder rc = new Recorder(out, start);
      VmStateCodec.DEFAULT.save(d, rec, out, rc);
      byte[] again = out.toByteArray();
      if (Arrays.equals(again, Arrays.copyOfRange(stream, (int) start, (int) end))) {
        map.bodies.add(new Body(start, end, s.section().idstr(), rc.items));
      }
    }
    return map;
  }

  /** The body containing {@code offset}, or null. */
  Body body(long offset) {
    for (Body b : bodies) {
      if (b.contains(offset)) {
        return b;
      }
    }
    return null;
  }

  /** The item of {@code b} containing {@code offset}, or null. */
  static Item item(Body b, long offset) {
    for (Item it : b.items()) {
      if (it.contains(offset)) {
        return it;
      }
    }
    return null;
  }

  /**
   * Builds the paths as the codec's errors spell them: {@code arm_gicv3/cpu[1]/icc_ctlr_el1[0]}.
   */
  private static final class Recorder implements SaveObserver {
    private final WireOutput out;
    private final long base;
    private final List<Item> items = new ArrayList<>();
    private final Deque<String> path = new ArrayDeque<>();
    private final Deque<String> descriptions = new ArrayDeque<>();
    private final Deque<long[]> open = new ArrayDeque<>(); // start, count, children
    private final Deque<String> pendingSub = new ArrayDeque<>();
    private long subHeaderStart = -1;

    Recorder(WireOutput out, long base) {
      this.out = out;
      this.base = base;
    }

    private String joined() {
      return String.join("/", path);
    }

    @Override
    public void beginDescription(VmStateDescription<?> d, int version) {
      if (descriptions.isEmpty()) {
        path.addLast(d.name());
      }
      if (subHeaderStart >= 0) {
        // The header (0x05, name, version) was written between beginSubsection and here.
        items.add(new Item(base + subHeaderStart, base + out.position(), joined(), true));
        subHeaderStart = -1;
      }
      descriptions.push(d.name());
    }

    @Override
    public void endDescription() {
      descriptions.pop();
    }

    @Override
    public void beginSubsection(VmStateDescription<?> sub, int version) {
      String parent = descriptions.peek();
      String n = sub.name().substring(Math.min(parent.length(), sub.name().length()));
      path.addLast(
          sub.name().startsWith(parent) && n.startsWith("/") ? n.substring(1) : sub.name());
      subHeaderStart = out.position();
    }

    @Override
    public void endSubsection() {
      path.removeLast();
    }

    @Override
    public void beginField(Field<?> f, int index, int count, boolean nullElement, long position) {
      if (!open.isEmpty()) {
        open.peek()[2]++;
      }
      path.addLast(index < 0 ? f.name() : f.name() + "[" + index + "]");
      open.push(new long[] {position, index < 0 ? count : 1, 0});
    }

    @Override
    public void endField(Field<?> f, long position) {
      long[] o = open.pop();
      String p = joined();
      path.removeLast();
      if (o[2] > 0 || position == o[0]) {
        return; // a struct-like element: its leaves were recorded
      }
      long n = o[1];
      long size = position - o[0];
      if (n > 1 && size % n == 0) {
        long each = size / n;
        for (long i = 0; i < n; i++) {
          items.add(
              new Item(
                  base + o[0] + i * each, base + o[0] + (i + 1) * each, p + "[" + i + "]", false));
        }
      } else {
        items.add(new Item(base + o[0], base + position, p, false));
      }
    }
  }
}
