package io.vmstate.dump;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.WireType;
import io.vmstate.codec.Elements;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.StateValue;
import io.vmstate.stream.vmdesc.Vmdesc;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a device's decoded state as QEMU's analyze-migration.py prints it (reference §7.1), driven
 * by the device's vmdesc entry (which gives order, array forms and the type that decides how a
 * value is shown) with values from a {@link StateRecord}, whichever description decoded it.
 *
 * <ul>
 *   <li>{@code bool}: {@code true}/{@code false};
 *   <li>integers: {@code "0x"} and the unsigned value zero-padded to twice the size; negative
 *       values of signed types (including {@code uint8 equal}, {@code uint16 equal}, {@code int64
 *       equal}) add {@code " (-n)"};
 *   <li>every other type: its bytes as space-separated lower-case hex pairs;
 *   <li>arrays (array_len or index entries): lists; structs: objects; subsections: objects keyed by
 *       their full name after the fields.
 * </ul>
 */
public final class AnalyzerRenderer {
  /** How the analyzer shows a vmdesc type. */
  private enum Kind {
    STRUCT,
    BOOL,
    SIGNED,
    UNSIGNED,
    HEX
  }

  private static final Map<String, Kind> KINDS = kinds();
  private static final byte[] HEX_BYTES = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /**
   * For each byte value, its two lower-case hex digits and a space as three little-endian bytes of
   * an int.
   */
  private static final int[] HEX_PAIRS = hexPairs();

  /** Eight bytes of a {@code byte[]} at any index as one little-endian long. */
  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private static int[] hexPairs() {
    int[] t = new int[256];
    for (int v = 0; v < 256; v++) {
      t[v] = HEX_BYTES[v >> 4] | HEX_BYTES[v & 15] << 8 | ' ' << 16;
    }
    return t;
  }

  /** The text being built: {@code out[0, at)} of {@link #text}. */
  private AsciiText text;

  private byte[] out;
  private int at;

  /** A renderer; one per thread (it keeps the state of the text being built). */
  public AnalyzerRenderer() {}

  private static Map<String, Kind> kinds() {
    Map<String, Kind> m = new HashMap<>();
    m.put("struct", Kind.STRUCT);
    m.put("bool", Kind.BOOL);
    for (String t :
        List.of(
            "int8",
            "int16",
            "int32",
            "int64",
            "int32 equal",
            "int32 le",
            "int64 equal",
            "uint8 equal",
            "uint16 equal")) {
      m.put(t, Kind.SIGNED);
    }
    for (String t : List.of("uint8", "uint16", "uint32", "uint64", "uint32 equal")) {
      m.put(t, Kind.UNSIGNED);
    }
    return Map.copyOf(m);
  }

  /** Writes the object for one device (or subsection) entry to a {@link PythonJson} generator. */
  public static void writeStruct(JsonGenerator g, Map<String, Object> desc, StateRecord rec)
      throws IOException, VmStateDecodeException {
    PythonJson.Indent4 indent = PythonJson.indent(g);
    if (indent == null) {
      throw new IllegalArgumentException("the generator was not made by PythonJson");
    }
    AsciiText t = new AsciiText();
    new AnalyzerRenderer().render(layout(desc), rec, indent.level(), t);
    t.writeValue(g);
  }

  /**
   * Builds into {@code into} (replacing what it held) the JSON text of one device, struct or
   * subsection with a layout made by {@link #layout}, as Python's {@code indent=4} prints it when
   * the object's opening brace is at nesting {@code level} (1 for a member of the document).
   */
  public void render(Layout layout, StateRecord rec, int level, AsciiText into)
      throws VmStateDecodeException {
    text = into;
    out = into.reserve(0, 4096);
    at = 0;
    try {
      struct(layout, rec, level);
    } finally {
      into.done(at);
      text = null;
      out = null;
    }
  }

  /**
   * How a device, struct or subsection entry of a vmdesc is printed, worked out once from the entry
   * (names as generator-ready strings, how each value is shown, array forms, nested layouts), so
   * printing many devices of one layout (512 CPUs) reads no JSON maps.
   */
  public static final class Layout {
    private final String vmsd;
    private final List<Member> members;
    private final List<Sub> subsections;

    private Layout(String vmsd, List<Member> members, List<Sub> subsections) {
      this.vmsd = vmsd;
      this.members = members;
      this.subsections = subsections;
    }
  }

  /**
   * One printed member: a single value ({@code count} -1) or a list of {@code count} values; a list
   * from {@code array_len} repeats one element form, a list of index entries has one each.
   */
  private record Member(byte[] key, String name, int count, Element[] elements) {
    Element element(int k) {
      return elements[elements.length == 1 ? 0 : k];
    }
  }

  /** How one value is shown: by kind, of {@code size} bytes, or a struct of {@code layout}. */
  private record Element(Kind kind, int size, Layout layout) {}

  /** A subsection the entry lists. */
  private record Sub(byte[] key, String name, Layout layout) {}

  /** The layout of one device, struct or subsection entry of a vmdesc. */
  public static Layout layout(Map<String, Object> desc) throws VmStateDecodeException {
    String vmsd = String.valueOf(desc.get("vmsd_name"));
    List<Member> members = new ArrayList<>();
    List<?> fields = desc.get("fields") instanceof List<?> l ? l : List.of();
    for (int i = 0; i < fields.size(); ) {
      Map<?, ?> f = entryMap(vmsd, fields.get(i));
      String name = String.valueOf(f.get("name"));
      byte[] key = PythonJson.memberName(name);
      int run = f.containsKey("array_len") ? 0 : Vmdesc.elementRun(fields, i, vmsd);
      if (f.containsKey("array_len")) {
        int n = (int) num(f.get("array_len"));
        members.add(new Member(key, name, Math.max(n, 0), new Element[] {element(vmsd, f)}));
        i++;
      } else if (run > 0) {
        Element[] elements = new Element[run];
        for (int k = 0; k < run; k++) {
          elements[k] = element(vmsd, entryMap(vmsd, fields.get(i + k)));
        }
        i += run;
        members.add(new Member(key, name, run, elements));
      } else {
        members.add(new Member(key, name, -1, new Element[] {element(vmsd, f)}));
        i++;
      }
    }
    List<Sub> subs = new ArrayList<>();
    if (desc.get("subsections") instanceof List<?> l) {
      for (Object o : l) {
        @SuppressWarnings("unchecked")
        Map<String, Object> s = (Map<String, Object>) entryMap(vmsd, o);
        String subName = String.valueOf(s.get("vmsd_name"));
        subs.add(new Sub(PythonJson.memberName(subName), subName, layout(s)));
      }
    }
    return new Layout(vmsd, List.copyOf(members), List.copyOf(subs));
  }

  private static Element element(String owner, Map<?, ?> f) throws VmStateDecodeException {
    Object t = f.get("type");
    Kind kind = KINDS.getOrDefault(t instanceof String s ? s : String.valueOf(t), Kind.HEX);
    if (kind != Kind.STRUCT) {
      long size = num(f.get("size"));
      // a claimed size outside an int is no size: rendering any value with it is a shape error
      return new Element(kind, size < 0 || size > Integer.MAX_VALUE ? -1 : (int) size, null);
    }
    if (!(f.get("struct") instanceof Map<?, ?> sd)) {
      throw VmStateDecodeException.corrupt(
          "struct field '" + owner + "/" + f.get("name") + "' has no \"struct\" object");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) sd;
    return new Element(kind, 0, layout(m));
  }

  private static Map<?, ?> entryMap(String owner, Object o) throws VmStateDecodeException {
    if (!(o instanceof Map<?, ?> m)) {
      throw VmStateDecodeException.corrupt(
          "vmdesc entry '" + owner + "' has a field or subsection that is not an object");
    }
    return m;
  }

  /** Makes room for {@code n} more bytes. */
  private void room(int n) {
    if (at + n > out.length) {
      out = text.reserve(at, at + n);
    }
  }

  private void put(byte[] b) {
    room(b.length);
    System.arraycopy(b, 0, out, at, b.length);
    at += b.length;
  }

  private void put(char c) {
    room(1);
    out[at++] = (byte) c;
  }

  /** A line break and the indentation of {@code level}. */
  private void newline(int level) {
    put(PythonJson.Indent4.newline(level));
  }

  /** An object whose opening brace is at nesting {@code level} (Python's indent=4 layout). */
  private void struct(Layout layout, StateRecord rec, int level) throws VmStateDecodeException {
    if (layout.members.isEmpty() && layout.subsections.isEmpty()) {
      put('{');
      put('}');
      return;
    }
    put('{');
    boolean first = true;
    for (Member m : layout.members) {
      memberStart(m.key, first, level + 1);
      first = false;
      StateValue v = rec.get(m.name);
      if (v == null) {
        throw VmStateDecodeException.corrupt(
            "field '" + layout.vmsd + "/" + m.name + "' is in the vmdesc but was not decoded");
      }
      if (m.count < 0) {
        value(layout.vmsd, m.element(0), m.name, 0, v, level + 1);
      } else if (m.count == 0) {
        put('[');
        put(']');
      } else {
        put('[');
        if (!integerRun(m, v, level + 2)) {
          for (int k = 0; k < m.count; k++) {
            if (k > 0) {
              put(',');
            }
            newline(level + 2);
            value(layout.vmsd, m.element(k), m.name, k, v, level + 2);
          }
        }
        newline(level + 1);
        put(']');
      }
    }
    for (Sub s : layout.subsections) {
      StateRecord sub = rec.subsections().get(s.name);
      if (sub == null) {
        throw VmStateDecodeException.corrupt(
            "subsection '" + s.name + "' listed in the vmdesc was not decoded");
      }
      memberStart(s.key, first, level + 1);
      first = false;
      struct(s.layout, sub, level + 1);
    }
    newline(level);
    put('}');
  }

  /** {@code ,} (unless first), a new line at {@code level}, the quoted name and {@code ": "}. */
  private void memberStart(byte[] key, boolean first, int level) {
    if (!first) {
      put(',');
    }
    newline(level);
    put(key);
    put(':');
    put(' ');
  }

  /**
   * The values of an {@code array_len} list of integers from a decoded array, one loop (the bulk of
   * a CPU's registers), each on a new line at {@code level}; false, having written nothing, when
   * the member is not one.
   */
  private boolean integerRun(Member m, StateValue v, int level) {
    Element e = m.elements[0];
    if (m.elements.length != 1
        || (e.kind != Kind.SIGNED && e.kind != Kind.UNSIGNED)
        || e.size < 1
        || e.size > 8
        || !(v instanceof StateValue.Array a)
        || a.type() == WireType.BITMAP
        || a.length() < m.count) {
      return false;
    }
    Elements el = Elements.of(a.type());
    if (el == Elements.STRING) {
      return false;
    }
    Object values = a.values();
    boolean signed = e.kind == Kind.SIGNED;
    byte[] nl = PythonJson.Indent4.newline(level);
    for (int k = 0; k < m.count; k++) {
      room(nl.length + 48);
      if (k > 0) {
        out[at++] = ',';
      }
      System.arraycopy(nl, 0, out, at, nl.length);
      at += nl.length;
      integer(mask(el.bits(values, k), e.size), e.size, signed);
    }
    return true;
  }

  /** One value; a struct's braces are at nesting {@code level}. */
  private void value(String owner, Element e, String name, int idx, StateValue v, int level)
      throws VmStateDecodeException {
    Kind kind = e.kind;
    if (kind == Kind.STRUCT) {
      StateRecord child;
      if (v instanceof StateRecord r && idx == 0) {
        child = r;
      } else if (v instanceof StateValue.RecordArray ra && idx < ra.elements().size()) {
        child = ra.elements().get(idx);
      } else {
        throw shape(owner, name, v);
      }
      struct(e.layout, child, level);
      return;
    }
    int size = e.size;
    boolean bitmap = v instanceof StateValue.Array a && a.type() == WireType.BITMAP;
    if (size >= 1 && size <= 8 && kind != Kind.HEX && !bitmap) {
      long bits = smallBits(owner, name, v, idx, size);
      if (kind == Kind.BOOL) {
        put((bits >>> (8 * (size - 1)) & 0xff) != 0 ? TRUE : FALSE);
      } else {
        room(48);
        integer(bits, size, kind == Kind.SIGNED);
      }
      return;
    }
    if (size >= 1 && v instanceof StateValue.Bytes by && kind == Kind.HEX) {
      byte[] all = by.bytes();
      if ((long) (idx + 1) * size > all.length) {
        throw shape(owner, name, v);
      }
      hex(all, idx * size, size);
      return;
    }
    byte[] b = bytesOf(owner, name, v, idx, size);
    if (kind == Kind.BOOL) {
      put(b.length > 0 && b[0] != 0 ? TRUE : FALSE);
    } else if (kind == Kind.HEX) {
      hex(b, 0, b.length);
    } else {
      put(('"' + intText(b, kind == Kind.SIGNED) + '"').getBytes(StandardCharsets.US_ASCII));
    }
  }

  private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);

  /**
   * The {@code size} (1..8) wire bytes of element {@code idx} of a scalar, non-bitmap array or byte
   * value as a big-endian number, as {@link #bytesOf} would give them.
   */
  private static long smallBits(String owner, String name, StateValue v, int idx, int size)
      throws VmStateDecodeException {
    if (v instanceof StateValue.Scalar s && idx == 0) {
      return mask(s.bits(), size);
    } else if (v instanceof StateValue.Array a && a.type() != WireType.BITMAP) {
      Elements el = Elements.of(a.type());
      if (idx < a.length() && el != Elements.STRING) {
        return mask(el.bits(a.values(), idx), size);
      }
    } else if (v instanceof StateValue.Bytes by) {
      byte[] all = by.bytes();
      if ((long) (idx + 1) * size <= all.length) {
        long r = 0;
        for (int i = idx * size, end = i + size; i < end; i++) {
          r = (r << 8) | (all[i] & 0xff);
        }
        return r;
      }
    }
    throw shape(owner, name, v);
  }

  private static long mask(long bits, int size) {
    return size == 8 ? bits : bits & ((1L << (8 * size)) - 1);
  }

  /**
   * Python's {@code '0x%0{2n}x' % u}, plus {@code ' (%d)' % s} when the signed value is < 0, quoted
   * (at most 48 bytes, for which the caller made room).
   */
  private void integer(long v, int size, boolean signed) {
    byte[] c = out;
    int p = at;
    c[p] = '"';
    c[p + 1] = '0';
    c[p + 2] = 'x';
    int end = p + 3 + 2 * size;
    long u = v;
    for (int i = end - 1; i >= p + 3; i--, u >>>= 4) {
      c[i] = HEX_BYTES[(int) (u & 15)];
    }
    int shift = 64 - 8 * size;
    long sv = (v << shift) >> shift;
    if (signed && sv < 0) {
      c[end++] = ' ';
      c[end++] = '(';
      String d = Long.toString(sv);
      for (int i = 0; i < d.length(); i++) {
        c[end++] = (byte) d.charAt(i);
      }
      c[end++] = ')';
    }
    c[end++] = '"';
    at = end;
  }

  /** Space-separated lower-case hex pairs, quoted. */
  private void hex(byte[] b, int off, int len) {
    room(len * 3 + 2);
    out[at++] = '"';
    at = hexPairs(b, off, len, out, at);
    out[at++] = '"';
  }

  /**
   * Writes {@code len} bytes of {@code b} from {@code off} as space-separated lower-case hex pairs
   * ({@code 2 * len + len - 1} bytes) into {@code dst} at {@code at}, which must have room for
   * {@code 3 * len}; returns the end of the text.
   */
  static int hexPairs(byte[] b, int off, int len, byte[] dst, int at) {
    int p = at;
    int i = off;
    int end = off + len;
    // Eight bytes at a time into three longs (24 bytes of text): about twice as fast under C1
    // (the launcher's compiler) as a byte at a time, which matters for dump -m (hex of all RAM).
    int[] t = HEX_PAIRS;
    for (; i + 8 <= end; i += 8, p += 24) {
      long t0 = t[b[i] & 0xff];
      long t1 = t[b[i + 1] & 0xff];
      long t2 = t[b[i + 2] & 0xff];
      long t3 = t[b[i + 3] & 0xff];
      long t4 = t[b[i + 4] & 0xff];
      long t5 = t[b[i + 5] & 0xff];
      long t6 = t[b[i + 6] & 0xff];
      long t7 = t[b[i + 7] & 0xff];
      LONG_LE.set(dst, p, t0 | t1 << 24 | t2 << 48);
      LONG_LE.set(dst, p + 8, t2 >>> 16 | t3 << 8 | t4 << 32 | t5 << 56);
      LONG_LE.set(dst, p + 16, t5 >>> 8 | t6 << 16 | t7 << 40);
    }
    for (; i < end; i++, p += 3) {
      int v = t[b[i] & 0xff];
      dst[p] = (byte) v;
      dst[p + 1] = (byte) (v >> 8);
      dst[p + 2] = ' ';
    }
    return len == 0 ? at : p - 1;
  }

  /** {@code v}'s lowest {@code digits} hex digits, zero-padded (Python's {@code '%0{digits}x'}). */
  static String hexDigits(long v, int digits) {
    byte[] c = new byte[digits];
    long u = v;
    for (int i = digits - 1; i >= 0; i--, u >>>= 4) {
      c[i] = HEX_BYTES[(int) (u & 15)];
    }
    return new String(c, StandardCharsets.ISO_8859_1);
  }

  /** Python's {@code '0x%0{2n}x' % u}, plus {@code ' (%d)' % s} when the signed value is < 0. */
  static String intText(byte[] b, boolean signed) {
    BigInteger u = new BigInteger(1, b);
    String hex = u.toString(16);
    StringBuilder sb = new StringBuilder(4 + b.length * 2).append("0x");
    for (int i = hex.length(); i < b.length * 2; i++) {
      sb.append('0');
    }
    sb.append(hex);
    if (signed && b.length > 0 && b[0] < 0) {
      sb.append(" (").append(new BigInteger(b)).append(')');
    }
    return sb.toString();
  }

  /** The wire bytes of element {@code idx} of a value, {@code size} bytes each. */
  static byte[] bytesOf(String owner, String name, StateValue v, int idx, int size)
      throws VmStateDecodeException {
    if (size < 1) {
      throw shape(owner, name, v);
    }
    if (v instanceof StateValue.Scalar s && idx == 0) {
      return be(owner, name, v, s.bits(), size);
    } else if (v instanceof StateValue.Array a) {
      if (a.type() == WireType.BITMAP) {
        long[] w = (long[]) a.values();
        byte[] out = new byte[w.length * 8];
        for (int i = 0; i < w.length; i++) {
          System.arraycopy(be(owner, name, v, w[i], 8), 0, out, i * 8, 8);
        }
        return out;
      }
      if (idx < a.length() && Elements.of(a.type()) != Elements.STRING) {
        return be(owner, name, v, Elements.of(a.type()).bits(a.values(), idx), size);
      }
    } else if (v instanceof StateValue.Bytes by) {
      byte[] all = by.bytes();
      if ((long) (idx + 1) * size <= all.length) {
        byte[] out = new byte[size];
        System.arraycopy(all, idx * size, out, 0, size);
        return out;
      }
    }
    throw shape(owner, name, v);
  }

  private static VmStateDecodeException shape(String owner, String name, StateValue v) {
    return VmStateDecodeException.corrupt(
        "field '"
            + owner
            + "/"
            + name
            + "' decoded as "
            + v
            + ", which the vmdesc does not describe");
  }

  /** {@code bits} as {@code size} big-endian bytes; a number claimed wider than 8 is refused. */
  private static byte[] be(String owner, String name, StateValue v, long bits, int size)
      throws VmStateDecodeException {
    if (size > 8) {
      throw shape(owner, name, v);
    }
    byte[] b = new byte[size];
    for (int i = 0; i < size && i < 8; i++) {
      b[size - 1 - i] = (byte) (bits >>> (8 * i));
    }
    return b;
  }

  private static long num(Object o) {
    return o instanceof Number n ? n.longValue() : 0;
  }
}
