package io.vmstate.stream;

import io.vmstate.api.Nullable;
import io.vmstate.api.SectionRef;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.StateValue;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.stream.vmdesc.QemuJsonWriter;
import io.vmstate.stream.vmdesc.Vmdesc;
import io.vmstate.stream.vmdesc.VmdescSchema;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The check every stream writer makes of its own output before it reports success (lossless by
 * construction): the output must hold the input's values except the changes asked for, and the
 * input's bytes everywhere outside the changed fields.
 *
 * <p>While a writer copies a stream it cuts both streams into the same {@link Segment}s (a {@link
 * Recorder}): framing (header, configuration, section headers, footers, commands, EOF), RAM
 * sections, device section bodies and the vmdesc trailer. The check then needs no trust in the
 * writer's encoder:
 *
 * <ul>
 *   <li>the segments must tile both files from the first byte to the last;
 *   <li>a segment whose bytes are equal on both sides is equal in value (decoding is a function of
 *       the bytes and the layout, and the layout is the vmdesc, which is itself a compared
 *       segment);
 *   <li>framing, RAM and the vmdesc must be byte-identical (unless a section was re-encoded on
 *       purpose: then the vmdesc may differ in that section's entry only);
 *   <li>a device body that differs is decoded on both sides, each with its own stream's vmdesc, and
 *       compared value by value ({@link StateFlattener}); a difference at a path not asked for
 *       fails. With the same layout and the same length, equal values mean equal bytes outside the
 *       changed fields, since the decoder turns every byte of a body into some value.
 * </ul>
 *
 * A failure is an {@link VmStateEncodeException#outputChanged} naming the section and the first
 * field (or byte) that would have changed; the writer then deletes its output.
 */
public final class OutputCheck {
  private OutputCheck() {}

  /** What a writer was asked to change. */
  public interface Allowed {
    /**
     * Whether the value at {@code path} ({@code idstr:instance/field/path[i]}, as {@link
     * StateFlattener} names values) may differ, or (for a re-encoded section) be dropped.
     */
    boolean value(String path);

    /** Whether the writer re-encodes {@code section} in another version or layout on purpose. */
    default boolean reshaped(SectionRef section) {
      return false;
    }

    /**
     * Whether {@code section} was left out of the output on purpose (header, body, footer and
     * vmdesc entry; {@code vmstate upgrade --omit}).
     */
    default boolean omitted(SectionRef section) {
      return false;
    }

    /** Nothing may change (a plain rewrite). */
    Allowed NOTHING = path -> false;
  }

  /** What a segment holds. */
  public enum Kind {
    FRAMING,
    RAM,
    DEVICE,
    /** A section header and body that the writer re-encoded on purpose (upgrade). */
    RESHAPED,
    /** Input bytes of a section the writer left out on purpose; nothing in the output. */
    OMITTED,
    VMDESC
  }

  /**
   * One piece of both streams: {@code [inStart, inEnd)} of the input was copied as {@code
   * [outStart, outEnd)} of the output. {@code section} is the device or RAM section, or for framing
   * the last section before it (null at the start). For {@link Kind#RESHAPED}, {@code inBody} and
   * {@code outBody} are where the bodies start; {@code outSection} is the header written.
   */
  public record Segment(
      Kind kind,
      @Nullable SectionRef section,
      @Nullable SectionRef outSection,
      long inStart,
      long inEnd,
      long outStart,
      long outEnd,
      long inBody,
      long outBody) {}

  /** Collects the segments while a writer copies a stream. */
  public static final class Recorder {
    private final List<Segment> segments = new ArrayList<>();
    private long in;
    private long out;
    private SectionRef last;

    /**
     * Ends a segment of {@code kind} at input offset {@code inEnd} and output offset {@code
     * outEnd}.
     */
    public void cut(Kind kind, SectionRef section, long inEnd, long outEnd) {
      cut(kind, section, section, inEnd, outEnd, -1, -1);
    }

    /** Ends a {@link Kind#RESHAPED} segment (or any other) with its body offsets. */
    public void cut(
        Kind kind,
        SectionRef section,
        SectionRef outSection,
        long inEnd,
        long outEnd,
        long inBody,
        long outBody) {
      if (inEnd == in && outEnd == out) {
        return;
      }
      SectionRef where = section != null ? section : last;
      segments.add(new Segment(kind, where, outSection, in, inEnd, out, outEnd, inBody, outBody));
      in = inEnd;
      out = outEnd;
      if (section != null) {
        last = section;
      }
    }

    public List<Segment> segments() {
      return List.copyOf(segments);
    }
  }

  /** Random access to the bytes of a stream. */
  public interface Bytes {
    long size() throws IOException;

    void read(long offset, byte[] into, int len) throws IOException;

    /**
     * {@code len} bytes at {@code offset} as a read-only buffer from its position to its limit,
     * without copying where the bytes can be reached in place; valid until the next call.
     */
    default ByteBuffer view(long offset, int len) throws IOException {
      byte[] b = new byte[len];
      read(offset, b, len);
      return ByteBuffer.wrap(b);
    }

    static Bytes of(byte[] b) {
      return new Bytes() {
        @Override
        public long size() {
          return b.length;
        }

        @Override
        public void read(long offset, byte[] into, int len) {
          System.arraycopy(b, (int) offset, into, 0, len);
        }

        @Override
        public ByteBuffer view(long offset, int len) {
          return ByteBuffer.wrap(b, (int) offset, len);
        }
      };
    }

    /**
     * A file, read with positional reads for decoding and through a window of up to {@link #WINDOW}
     * bytes for comparing: the segments are compared in file order, so each file is read once in
     * large reads. (Per-segment reads made the check of an edit of a 512-vCPU stream cost 22 ms,
     * most of it in the 3,000 small reads; mapping the files cost as much in page faults.)
     */
    static Bytes of(FileChannel ch) {
      return of(ch, WINDOW);
    }

    /** The same, with a window of {@code windowSize} bytes (tests move it often). */
    static Bytes of(FileChannel ch, long windowSize) {
      return new Bytes() {
        private byte[] window;
        private long windowStart;
        private int windowLength;

        @Override
        public long size() throws IOException {
          return ch.size();
        }

        @Override
        public void read(long offset, byte[] into, int len) throws IOException {
          ByteBuffer bb = ByteBuffer.wrap(into, 0, len);
          while (bb.hasRemaining()) {
            if (ch.read(bb, offset + bb.position()) < 0) {
              throw new java.io.EOFException("file ended at " + (offset + bb.position()));
            }
          }
        }

        @Override
        public ByteBuffer view(long offset, int len) throws IOException {
          if (window == null || offset < windowStart || offset + len > windowStart + windowLength) {
            if (window == null || window.length < len) {
              window = new byte[(int) Math.max(len, Math.min(windowSize, ch.size()))];
            }
            ByteBuffer bb = ByteBuffer.wrap(window);
            while (bb.position() < len) {
              if (ch.read(bb, offset + bb.position()) < 0) {
                throw new java.io.EOFException("file ended at " + (offset + bb.position()));
              }
            }
            windowStart = offset;
            windowLength = bb.position();
          }
          return ByteBuffer.wrap(window, (int) (offset - windowStart), len);
        }
      };
    }
  }

  /**
   * The most of a file read at once for comparing: larger reads cost more than they save (a 10 MB
   * file read in 1 MB pieces took 2.5 ms of CPU, in 8 MB pieces 3.5 ms, into a direct buffer of 8
   * MB, 40 ms: its allocation).
   */
  static final long WINDOW = 1L << 20;

  /** A stream's vmdesc, parsed only when a check needs it. */
  @FunctionalInterface
  public interface LazyVmdesc {
    Vmdesc get() throws VmStateException, IOException;
  }

  /** Builds (or finds) the description of a vmdesc entry, e.g. a reader's cache of them. */
  @FunctionalInterface
  public interface Describer {
    VmStateDescription<StateRecord> describe(Map<String, Object> entry) throws VmStateException;
  }

  private static final int CHUNK = 1 << 20;

  /**
   * Checks {@code out} against {@code in} over {@code segments}; {@code inDesc} and {@code outDesc}
   * are the streams' vmdescs (needed only where a device body differs).
   */
  public static void check(
      Bytes in,
      LazyVmdesc inDesc,
      Bytes out,
      LazyVmdesc outDesc,
      List<Segment> segments,
      Allowed allowed)
      throws VmStateException, IOException {
    check(in, inDesc, out, outDesc, segments, allowed, VmdescSchema::describe);
  }

  /**
   * The same, describing vmdesc entries with {@code describer} (a reader that already described
   * them saves the work; the entries come from the trailers either way).
   */
  public static void check(
      Bytes in,
      LazyVmdesc inDesc,
      Bytes out,
      LazyVmdesc outDesc,
      List<Segment> segments,
      Allowed allowed,
      Describer describer)
      throws VmStateException, IOException {
    long inAt = 0;
    long outAt = 0;
    for (Segment s : segments) {
      if (s.inStart() != inAt || s.outStart() != outAt) {
        throw changed("the copy skipped or repeated bytes before input byte " + s.inStart(), s);
      }
      inAt = s.inEnd();
      outAt = s.outEnd();
    }
    if (inAt != in.size() || outAt != out.size()) {
      throw changed(
          "the copy covers "
              + inAt
              + " of "
              + in.size()
              + " input bytes and "
              + outAt
              + " of "
              + out.size()
              + " output bytes",
          (SectionRef) null);
    }
    LazyVmdesc inMemo = memo(inDesc);
    LazyVmdesc outMemo = memo(outDesc);
    Segment trailer = segments.isEmpty() ? null : segments.get(segments.size() - 1);
    for (Segment s : segments) {
      if (s.kind() == Kind.VMDESC) {
        trailer = s;
      }
    }
    boolean sameTrailer =
        trailer != null
            && trailer.kind() == Kind.VMDESC
            && firstDifference(
                    in,
                    trailer.inStart(),
                    trailer.inEnd(),
                    out,
                    trailer.outStart(),
                    trailer.outEnd())
                < 0;
    if (sameTrailer) {
      // The same trailer bytes: one parse serves both sides (and their descriptions are shared).
      outMemo = inMemo;
    }
    Map<Object, VmStateDescription<StateRecord>> cache = new java.util.HashMap<>();
    Describer described =
        entry -> {
          Object layout = Vmdesc.layout(entry);
          VmStateDescription<StateRecord> d = cache.get(layout);
          if (d == null) {
            d = describer.describe(entry);
            cache.put(layout, d);
          }
          return d;
        };
    int i = 0;
    while (i < segments.size()) {
      Segment s = segments.get(i);
      if (s == trailer && sameTrailer) {
        i++; // compared above
        continue;
      }
      // The run of segments from here whose two sides have equal lengths (so their offsets keep
      // one distance) is compared as one range: an edit's whole stream is one run, instead of
      // thousands of segments compared one by one. Only the segment holding the first difference
      // is looked at on its own.
      int j = i;
      while (j < segments.size() && sameLength(segments.get(j)) && segments.get(j) != trailer) {
        j++;
      }
      if (j - i > 1) {
        Segment last = segments.get(j - 1);
        long diff =
            firstDifference(in, s.inStart(), last.inEnd(), out, s.outStart(), last.outEnd());
        if (diff < 0) {
          i = j;
          continue;
        }
        long at = s.inStart() + diff;
        while (segments.get(i).inEnd() <= at) {
          i++;
        }
        s = segments.get(i);
      }
      segment(in, inMemo, out, outMemo, s, segments, allowed, described);
      i++;
    }
  }

  private static boolean sameLength(Segment s) {
    return s.inEnd() - s.inStart() == s.outEnd() - s.outStart();
  }

  /** Checks one segment on its own: nothing when its sides are equal. */
  private static void segment(
      Bytes in,
      LazyVmdesc inMemo,
      Bytes out,
      LazyVmdesc outMemo,
      Segment s,
      List<Segment> segments,
      Allowed allowed,
      Describer described)
      throws VmStateException, IOException {
    long diff = firstDifference(in, s.inStart(), s.inEnd(), out, s.outStart(), s.outEnd());
    if (diff < 0) {
      return;
    }
    switch (s.kind()) {
      case FRAMING, RAM ->
          throw changed(
              (s.kind() == Kind.RAM ? "RAM section" : "stream framing")
                  + " differs from the input at output byte "
                  + (s.outStart() + diff),
              s);
      case VMDESC -> vmdesc(inMemo.get(), outMemo.get(), segments, allowed);
      case DEVICE ->
          device(in, inMemo, out, outMemo, s, s.inStart(), s.outStart(), allowed, described);
      case RESHAPED ->
          device(in, inMemo, out, outMemo, s, s.inBody(), s.outBody(), allowed, described);
      case OMITTED -> {
        if (s.outStart() != s.outEnd() || !allowed.omitted(s.section())) {
          throw changed("the section is missing from the output", s);
        }
      }
      default -> throw new AssertionError(s.kind());
    }
  }

  private static LazyVmdesc memo(LazyVmdesc d) {
    Vmdesc[] got = new Vmdesc[1];
    return () -> got[0] != null ? got[0] : (got[0] = d.get());
  }

  /** The offset in the segment of the first differing byte, or -1 when both sides are equal. */
  private static long firstDifference(Bytes in, long i0, long i1, Bytes out, long o0, long o1)
      throws IOException {
    long n = Math.min(i1 - i0, o1 - o0);
    for (long done = 0; done < n; ) {
      int len = (int) Math.min(CHUNK, n - done);
      int m = in.view(i0 + done, len).mismatch(out.view(o0 + done, len));
      if (m >= 0) {
        return done + m;
      }
      done += len;
    }
    return i1 - i0 == o1 - o0 ? -1 : n;
  }

  private static void device(
      Bytes in,
      LazyVmdesc inDesc,
      Bytes out,
      LazyVmdesc outDesc,
      Segment s,
      long inBody,
      long outBody,
      Allowed allowed,
      Describer described)
      throws VmStateException, IOException {
    SectionRef ref = s.section();
    boolean reshaped = s.kind() == Kind.RESHAPED;
    SectionRef outRef = ref;
    if (reshaped) {
      byte[] v = new byte[4];
      out.read(outBody - 4, v, 4);
      int version =
          ((v[0] & 0xff) << 24) | ((v[1] & 0xff) << 16) | ((v[2] & 0xff) << 8) | (v[3] & 0xff);
      outRef = new SectionRef(ref.idstr(), ref.instanceId(), version);
    }
    Map<String, Object> inEntry = entry(inDesc.get(), ref, "input", s);
    Map<String, Object> outEntry = entry(outDesc.get(), outRef, "output", s);
    String prefix = ref.idstr() + ":" + ref.instanceId();
    StateRecord before = decode(in, inBody, s.inEnd(), inEntry, ref, described);
    StateRecord after = decode(out, outBody, s.outEnd(), outEntry, outRef, described);
    compare(prefix, before, after, allowed, reshaped, reshaped, ref);
    if (!reshaped) {
      boolean sameLayout =
          inEntry == outEntry
              || new QemuJsonWriter()
                  .value(null, inEntry)
                  .text()
                  .equals(new QemuJsonWriter().value(null, outEntry).text());
      if (!sameLayout || s.inEnd() - inBody != s.outEnd() - outBody) {
        throw changed(
            "the section's layout changed ("
                + (s.inEnd() - inBody)
                + " body bytes in, "
                + (s.outEnd() - outBody)
                + " out)",
            s);
      }
    }
  }

  /**
   * Fails on the first value that differs between {@code before} (what was meant) and {@code after}
   * (what the output decodes to) at a path {@code allowed} does not name, with an {@link
   * VmStateEncodeException#outputChanged} naming {@code section} and the path. {@code mayDrop}: a
   * value may be missing from {@code after} if it holds a default (a field or subsection the
   * output's version or target cannot carry); {@code mayAdd}: a value may appear in {@code after}
   * only.
   */
  static void compare(
      String prefix,
      StateRecord before,
      StateRecord after,
      Allowed allowed,
      boolean mayDrop,
      boolean mayAdd,
      SectionRef section)
      throws VmStateEncodeException {
    if (before.equals(after)) {
      return;
    }
    List<String[]> diffs = new ArrayList<>();
    differences(prefix, before, after, diffs);
    for (String[] d : diffs) {
      String k = d[0];
      String va = d[1];
      String vb = d[2];
      if (Objects.equals(va, vb) || allowed.value(k)) {
        continue;
      }
      if (va != null && vb == null && !mayDrop) {
        throw changed("field " + k + " (" + va + ") is missing from the output", section);
      } else if (va != null && vb == null && !isDefault(va)) {
        throw changed(
            "field " + k + " holds " + va + ", which the output's version cannot carry", section);
      } else if (va == null && !mayAdd) {
        throw changed("field " + k + " (" + vb + ") appeared in the output", section);
      } else if (va != null && vb != null) {
        throw changed("field " + k + " would change from " + va + " to " + vb, section);
      }
    }
  }

  private static Map<String, Object> entry(Vmdesc d, SectionRef ref, String side, Segment s)
      throws VmStateException {
    Map<String, Object> e = d == null ? null : d.device(ref.idstr(), ref.instanceId());
    if (e == null) {
      throw changed("the " + side + " has no vmdesc entry for the section", s);
    }
    return e;
  }

  private static StateRecord decode(
      Bytes b, long start, long end, Map<String, Object> entry, SectionRef ref, Describer described)
      throws VmStateException, IOException {
    byte[] body = new byte[Math.toIntExact(end - start)];
    b.read(start, body, body.length);
    VmStateDescription<StateRecord> d =
        Vmdesc.isOldStyle(entry)
            ? VmdescSchema.describeOldStyle(entry, ref.versionId())
            : described.describe(entry);
    StateRecord r = new StateRecord(d.name());
    try {
      VmStateCodec.DEFAULT.load(d, r, body, ref.versionId());
    } catch (VmStateException x) {
      throw x.inSection(ref);
    }
    return r;
  }

  /**
   * The values that differ between two records as {@code {path, before, after}} (null where a side
   * lacks the value), in field order; equal parts are skipped without being printed.
   */
  private static void differences(String path, StateRecord a, StateRecord b, List<String[]> out) {
    if (!a.fields().keySet().equals(b.fields().keySet())) {
      // Shaped otherwise (a struct array as one field or as one field per element, as the two
      // vmdesc dialects give it): compared as flattened values, which name elements alike.
      flatDifferences(StateFlattener.flatten(path, a), StateFlattener.flatten(path, b), out);
      return;
    }
    Set<String> names = new LinkedHashSet<>(a.fields().keySet());
    names.addAll(b.fields().keySet());
    for (String n : names) {
      differences(path + "/" + n, a.get(n), b.get(n), out);
    }
    Set<String> subs = new LinkedHashSet<>(a.subsections().keySet());
    subs.addAll(b.subsections().keySet());
    for (String n : subs) {
      StateRecord sa = a.subsections().get(n);
      StateRecord sb = b.subsections().get(n);
      String p = path + "/" + StateFlattener.subsectionSegment(sa != null ? sa : a, n);
      if (sa != null && sb != null) {
        if (!sa.equals(sb)) {
          differences(p, sa, sb, out);
        }
      } else {
        pair(StateFlattener.flatten(p, sa != null ? sa : sb), sa != null, out);
      }
    }
  }

  private static void differences(String path, StateValue a, StateValue b, List<String[]> out) {
    if (Objects.equals(a, b)) {
      return;
    }
    if (a instanceof StateRecord ra && b instanceof StateRecord rb) {
      differences(path, ra, rb, out);
    } else if (a instanceof StateValue.RecordArray ra
        && b instanceof StateValue.RecordArray rb
        && ra.elements().size() == rb.elements().size()) {
      for (int i = 0; i < ra.elements().size(); i++) {
        differences(path + "[" + i + "]", ra.elements().get(i), rb.elements().get(i), out);
      }
    } else if (a == null || b == null) {
      pair(StateFlattener.flatten(path, a != null ? a : b), a != null, out);
    } else {
      flatDifferences(StateFlattener.flatten(path, a), StateFlattener.flatten(path, b), out);
    }
  }

  private static void flatDifferences(
      Map<String, String> fa, Map<String, String> fb, List<String[]> out) {
    Set<String> keys = new LinkedHashSet<>(fa.keySet());
    keys.addAll(fb.keySet());
    for (String k : keys) {
      if (!Objects.equals(fa.get(k), fb.get(k))) {
        out.add(new String[] {k, fa.get(k), fb.get(k)});
      }
    }
  }

  /** Values only one side has. */
  private static void pair(Map<String, String> values, boolean before, List<String[]> out) {
    for (Map.Entry<String, String> e : values.entrySet()) {
      out.add(
          before
              ? new String[] {e.getKey(), e.getValue(), null}
              : new String[] {e.getKey(), null, e.getValue()});
    }
  }

  /** Whether a value text of {@link StateFlattener} is a default (zero, false, zero bytes). */
  private static boolean isDefault(String text) {
    return text.equals("false") || text.matches("(0x)?0*") || text.matches("00( 00)*");
  }

  /** The vmdescs may differ only in the entries of sections re-encoded on purpose. */
  private static void vmdesc(Vmdesc inDesc, Vmdesc outDesc, List<Segment> segs, Allowed allowed)
      throws VmStateException {
    Segment last = segs.get(segs.size() - 1);
    if (inDesc == null || outDesc == null) {
      throw changed("the vmdesc trailer differs", last);
    }
    List<Object> a = new ArrayList<>(inDesc.devices());
    a.removeIf(d -> omitted(d, segs, allowed));
    List<?> b = outDesc.devices();
    if (a.size() != b.size()) {
      throw changed(
          "the vmdesc lists " + b.size() + " devices where the input lists " + a.size(), last);
    }
    for (int i = 0; i < a.size(); i++) {
      @SuppressWarnings("unchecked")
      Map<String, Object> da = (Map<String, Object>) a.get(i);
      String ta = new QemuJsonWriter().value(null, da).text();
      String tb = new QemuJsonWriter().value(null, b.get(i)).text();
      if (ta.equals(tb)) {
        continue;
      }
      SectionRef ref = null;
      for (Segment s : segs) {
        if (s.kind() == Kind.RESHAPED
            && s.section().idstr().equals(da.get("name"))
            && Objects.equals(s.section().instanceId(), da.get("instance_id"))) {
          ref = s.section();
        }
      }
      if (ref == null || !allowed.reshaped(ref)) {
        throw changed(
            "the vmdesc entry of '"
                + da.get("name")
                + "' instance "
                + da.get("instance_id")
                + " differs",
            last);
      }
    }
    Map<String, Object> ra = new java.util.LinkedHashMap<>(inDesc.root());
    Map<String, Object> rb = new java.util.LinkedHashMap<>(outDesc.root());
    ra.remove("devices");
    rb.remove("devices");
    if (!new QemuJsonWriter()
        .value(null, ra)
        .text()
        .equals(new QemuJsonWriter().value(null, rb).text())) {
      throw changed("the vmdesc's members other than the devices differ", last);
    }
  }

  /** Whether the vmdesc entry {@code d} is of a section left out on purpose. */
  private static boolean omitted(Object d, List<Segment> segs, Allowed allowed) {
    if (!(d instanceof Map<?, ?> m)) {
      return false;
    }
    for (Segment s : segs) {
      if (s.kind() == Kind.OMITTED
          && s.section().idstr().equals(m.get("name"))
          && Objects.equals((long) s.section().instanceId(), m.get("instance_id"))
          && allowed.omitted(s.section())) {
        return true;
      }
    }
    return false;
  }

  private static VmStateEncodeException changed(String what, Segment s) {
    return changed(what, s == null ? null : s.section());
  }

  static VmStateEncodeException changed(String what, SectionRef section) {
    VmStateEncodeException e = VmStateEncodeException.outputChanged(what);
    if (section != null) {
      e.inSection(section);
    }
    return e;
  }
}
