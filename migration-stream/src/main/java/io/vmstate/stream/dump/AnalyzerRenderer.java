package io.vmstate.stream.dump;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.WireType;
import io.vmstate.codec.Elements;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.StateValue;
import java.io.IOException;
import java.math.BigInteger;
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
  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final byte[] HEX_BYTES = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /**
   * Value text is built here (ASCII, quotes included) and handed to the generator as it is: one
   * value, or a whole list of integers with its line breaks and indentation.
   */
  private final AsciiText text = new AsciiText();

  /** A list's text is handed over in pieces of about this size. */
  private static final int PIECE = 4096;

  private final PythonJson.Indent4 indent;

  private AnalyzerRenderer(JsonGenerator g) {
    this.indent = PythonJson.indent(g);
  }

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

  /** Writes the object for one device (or subsection) entry. */
  public static void writeStruct(JsonGenerator g, Map<String, Object> desc, StateRecord rec)
      throws IOException, VmStateDecodeException {
    new AnalyzerRenderer(g).struct(g, layout(desc), rec);
  }

  /** A renderer for {@code g}'s output, to print many devices with {@link #write}. */
  public static AnalyzerRenderer of(JsonGenerator g) {
    return new AnalyzerRenderer(g);
  }

  /** Writes the object for one device (or subsection) with a layout made by {@link #layout}. */
  public void write(JsonGenerator g, Layout layout, StateRecord rec)
      throws IOException, VmStateDecodeException {
    struct(g, layout, rec);
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
  private record Member(SerializedString key, String name, int count, Element[] elements) {
    Element element(int k) {
      return elements[elements.length == 1 ? 0 : k];
    }
  }

  /** How one value is shown: by kind, of {@code size} bytes, or a struct of {@code layout}. */
  private record Element(Kind kind, int size, Layout layout) {}

  /** A subsection the entry lists. */
  private record Sub(SerializedString key, String name, Layout layout) {}

  /** The layout of one device, struct or subsection entry of a vmdesc. */
  public static Layout layout(Map<String, Object> desc) throws VmStateDecodeException {
    String vmsd = String.valueOf(desc.get("vmsd_name"));
    List<Member> members = new ArrayList<>();
    List<?> fields = desc.get("fields") instanceof List<?> l ? l : List.of();
    for (int i = 0; i < fields.size(); ) {
      Map<?, ?> f = entryMap(vmsd, fields.get(i));
      String name = String.valueOf(f.get("name"));
      SerializedString key = new SerializedString(name);
      if (f.containsKey("array_len")) {
        int n = (int) num(f.get("array_len"));
        members.add(new Member(key, name, Math.max(n, 0), new Element[] {element(vmsd, f)}));
        i++;
      } else if (f.containsKey("index")) {
        List<Element> run = new ArrayList<>();
        while (i < fields.size()
            && fields.get(i) instanceof Map<?, ?> e
            && name.equals(e.get("name"))
            && e.containsKey("index")) {
          run.add(element(vmsd, e));
          i++;
        }
        members.add(new Member(key, name, run.size(), run.toArray(new Element[0])));
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
        subs.add(new Sub(new SerializedString(subName), subName, layout(s)));
      }
    }
    return new Layout(vmsd, List.copyOf(members), List.copyOf(subs));
  }

  private static Element element(String owner, Map<?, ?> f) throws VmStateDecodeException {
    Object t = f.get("type");
    Kind kind = KINDS.getOrDefault(t instanceof String s ? s : String.valueOf(t), Kind.HEX);
    if (kind != Kind.STRUCT) {
      return new Element(kind, (int) num(f.get("size")), null);
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

  private void struct(JsonGenerator g, Layout layout, StateRecord rec)
      throws IOException, VmStateDecodeException {
    g.writeStartObject();
    for (Member m : layout.members) {
      g.writeFieldName(m.key);
      StateValue v = rec.get(m.name);
      if (v == null) {
        throw VmStateDecodeException.corrupt(
            "field '" + layout.vmsd + "/" + m.name + "' is in the vmdesc but was not decoded");
      }
      if (m.count < 0) {
        value(g, layout.vmsd, m.element(0), m.name, 0, v);
      } else if (!scalarRun(g, m, v)) {
        g.writeStartArray();
        for (int k = 0; k < m.count; k++) {
          value(g, layout.vmsd, m.element(k), m.name, k, v);
        }
        g.writeEndArray();
      }
    }
    for (Sub s : layout.subsections) {
      StateRecord sub = rec.subsections().get(s.name);
      if (sub == null) {
        throw VmStateDecodeException.corrupt(
            "subsection '" + s.name + "' listed in the vmdesc was not decoded");
      }
      g.writeFieldName(s.key);
      struct(g, s.layout, sub);
    }
    g.writeEndObject();
  }

  /**
   * Prints a whole {@code array_len} list of integers from a decoded array in one loop (the bulk of
   * a CPU's registers); false, having written nothing, when the member is not one.
   */
  private boolean scalarRun(JsonGenerator g, Member m, StateValue v) throws IOException {
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
    if (indent == null || m.count == 0) {
      g.writeStartArray();
      for (int k = 0; k < m.count; k++) {
        value(g, intChars(0, mask(el.bits(values, k), e.size), e.size, signed));
      }
      g.writeEndArray();
      return true;
    }
    // Python's layout of a list, written here instead of value by value through the generator:
    // "[", then each value on its own line one level deeper, ",\n" between, "\n]" at this level.
    byte[] inner = PythonJson.Indent4.newline(indent.level() + 1);
    byte[] outer = PythonJson.Indent4.newline(indent.level());
    boolean first = true;
    int p = 0;
    byte[] c = text.reserve(0, PIECE + 64);
    c[p++] = '[';
    for (int k = 0; k < m.count; k++) {
      if (p > PIECE) {
        piece(g, p, first);
        first = false;
        p = 0;
      }
      c = text.reserve(p, p + inner.length + 48);
      if (k > 0) {
        c[p++] = ',';
      }
      System.arraycopy(inner, 0, c, p, inner.length);
      p = intChars(p + inner.length, mask(el.bits(values, k), e.size), e.size, signed);
    }
    c = text.reserve(p, p + outer.length + 1);
    System.arraycopy(outer, 0, c, p, outer.length);
    p += outer.length;
    c[p++] = ']';
    piece(g, p, first);
    return true;
  }

  /** Hands {@code text[0, length)} to the generator: the start of a value, or more of one. */
  private void piece(JsonGenerator g, int length, boolean startsValue) throws IOException {
    if (startsValue) {
      g.writeRawValue(text.done(length));
    } else {
      g.writeRaw(text.done(length));
    }
  }

  private void value(JsonGenerator g, String owner, Element e, String name, int idx, StateValue v)
      throws IOException, VmStateDecodeException {
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
      struct(g, e.layout, child);
      return;
    }
    int size = e.size;
    boolean bitmap = v instanceof StateValue.Array a && a.type() == WireType.BITMAP;
    if (size >= 1 && size <= 8 && kind != Kind.HEX && !bitmap) {
      long bits = smallBits(owner, name, v, idx, size);
      if (kind == Kind.BOOL) {
        g.writeBoolean((bits >>> (8 * (size - 1)) & 0xff) != 0);
      } else {
        value(g, intChars(0, bits, size, kind == Kind.SIGNED));
      }
      return;
    }
    if (size >= 1 && v instanceof StateValue.Bytes by && kind == Kind.HEX) {
      byte[] all = by.bytes();
      if ((long) (idx + 1) * size > all.length) {
        throw shape(owner, name, v);
      }
      value(g, hexChars(all, idx * size, size));
      return;
    }
    byte[] b = bytesOf(owner, name, v, idx, size);
    if (kind == Kind.BOOL) {
      g.writeBoolean(b.length > 0 && b[0] != 0);
    } else if (kind == Kind.HEX) {
      value(g, hexChars(b, 0, b.length));
    } else {
      g.writeString(intText(b, kind == Kind.SIGNED));
    }
  }

  /** Hands one value made in {@link #text} ({@code length} bytes) to the generator. */
  private void value(JsonGenerator g, int length) throws IOException {
    g.writeRawValue(text.done(length));
  }

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
   * Python's {@code '0x%0{2n}x' % u}, plus {@code ' (%d)' % s} when the signed value is < 0,
   * quoted, into {@link #text} at {@code at} (what is before it is kept); returns the end.
   */
  private int intChars(int at, long v, int size, boolean signed) {
    byte[] c = text.reserve(at, at + 48);
    c[at] = '"';
    c[at + 1] = '0';
    c[at + 2] = 'x';
    int end = at + 3 + 2 * size;
    long u = v;
    for (int i = end - 1; i >= at + 3; i--, u >>>= 4) {
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
    return end;
  }

  /** Space-separated lower-case hex pairs, quoted, into {@link #text}; returns the length. */
  private int hexChars(byte[] b, int off, int len) {
    byte[] c = text.reserve(0, len * 3 + 2);
    c[0] = '"';
    int p = 1;
    for (int i = 0; i < len; i++) {
      int v = b[off + i] & 0xff;
      if (i > 0) {
        c[p++] = ' ';
      }
      c[p++] = HEX_BYTES[v >> 4];
      c[p++] = HEX_BYTES[v & 15];
    }
    c[p++] = '"';
    return p;
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

  /** Space-separated lower-case hex pairs. */
  public static String hexBytes(byte[] b, int off, int len) {
    if (len == 0) {
      return "";
    }
    char[] c = new char[len * 3 - 1];
    for (int i = 0; i < len; i++) {
      int v = b[off + i] & 0xff;
      c[i * 3] = HEX[v >> 4];
      c[i * 3 + 1] = HEX[v & 15];
      if (i < len - 1) {
        c[i * 3 + 2] = ' ';
      }
    }
    return new String(c);
  }

  /** The wire bytes of element {@code idx} of a value, {@code size} bytes each. */
  static byte[] bytesOf(String owner, String name, StateValue v, int idx, int size)
      throws VmStateDecodeException {
    if (v instanceof StateValue.Scalar s && idx == 0) {
      return be(s.bits(), size);
    } else if (v instanceof StateValue.Array a) {
      if (a.type() == WireType.BITMAP) {
        long[] w = (long[]) a.values();
        byte[] out = new byte[w.length * 8];
        for (int i = 0; i < w.length; i++) {
          System.arraycopy(be(w[i], 8), 0, out, i * 8, 8);
        }
        return out;
      }
      if (idx < a.length() && Elements.of(a.type()) != Elements.STRING) {
        return be(Elements.of(a.type()).bits(a.values(), idx), size);
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

  private static byte[] be(long bits, int size) {
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
