package io.vmstate.stream;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.api.WireType;
import io.vmstate.codec.Elements;
import io.vmstate.codec.Scalars;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.StateValue;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;

/**
 * One {@code --set 'SECTION/field/path[i]=VALUE'} of {@code vmstate edit}: a section, a path
 * through the decoded record (fields, array indices {@code [i]} or {@code [i][j]}, nested structs,
 * subsections by their short name such as {@code sre_el1} or their full name, one byte of a buffer
 * as {@code buf[i]}) and a value ({@code 0x..}, decimal, negative, {@code true}/{@code false}, or
 * hex bytes for buffers).
 *
 * <p>SECTION is the idstr exactly as {@code vmstate sections} prints it ({@code
 * 0000:00:02.0/e1000e}, {@code spapr/rtc}), then optionally {@code @INSTANCE} (0 when left out) and
 * {@code #K} for the K-th (from 0) of several sections with the same idstr and instance, as QEMU
 * writes two {@code slirp} sections for two {@code -netdev user}. Idstrs hold both ':' and '/', so
 * the idstr is the longest one of the stream's sections that the path starts with, followed by '/',
 * '@' or '#': {@code spapr/rtc/ns_offset} is field {@code ns_offset} of {@code spapr/rtc}. {@link
 * #address} writes a section this way; {@code vmstate diff} prints its paths with it, so they can
 * be given back verbatim.
 */
public record FieldAssignment(
    String idstr, long instance, int occurrence, String path, String value) {
  /** A section as paths name it: {@code idstr[@instance][#occurrence]}. */
  public static String address(String idstr, long instance, int occurrence) {
    return idstr + (instance != 0 ? "@" + instance : "") + (occurrence > 0 ? "#" + occurrence : "");
  }

  /**
   * Parses {@code SECTION/path=value} against the idstrs of the stream's sections; a spec that
   * names none of them is an {@link IllegalArgumentException} (a usage error).
   */
  public static FieldAssignment parse(String spec, Collection<String> idstrs) {
    int eq = spec.indexOf('=');
    if (eq < 0) {
      throw new IllegalArgumentException("'" + spec + "' has no '=VALUE'");
    }
    String lhs = spec.substring(0, eq);
    String value = spec.substring(eq + 1).trim();
    String idstr = null;
    for (String candidate : idstrs) {
      if (lhs.length() > candidate.length()
          && lhs.startsWith(candidate)
          && "/@#".indexOf(lhs.charAt(candidate.length())) >= 0
          && (idstr == null || candidate.length() > idstr.length())) {
        idstr = candidate;
      }
    }
    if (idstr == null) {
      throw new IllegalArgumentException(
          "'" + lhs + "' does not start with the idstr of a section of the stream");
    }
    int at = idstr.length();
    long instance = 0;
    int occurrence = 0;
    if (lhs.charAt(at) == '@') {
      int end = digits(lhs, at + 1);
      instance = number(lhs, at + 1, end, 0xffffffffL);
      at = end;
    }
    if (at < lhs.length() && lhs.charAt(at) == '#') {
      int end = digits(lhs, at + 1);
      occurrence = (int) number(lhs, at + 1, end, Integer.MAX_VALUE);
      at = end;
    }
    if (at >= lhs.length() - 1 || lhs.charAt(at) != '/') {
      throw new IllegalArgumentException(
          "'" + lhs + "' names no field after " + address(idstr, instance, occurrence));
    }
    return new FieldAssignment(idstr, instance, occurrence, lhs.substring(at + 1), value);
  }

  /** {@link #parse(String, Collection)} where the section is the one given. */
  public static FieldAssignment parse(String spec, String idstr) {
    return parse(spec, List.of(idstr));
  }

  private static int digits(String s, int from) {
    int i = from;
    while (i < s.length() && Character.isDigit(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static long number(String s, int from, int to, long max) {
    if (to == from || to - from > 10 || Long.parseLong(s.substring(from, to)) > max) {
      throw new IllegalArgumentException(
          "'" + s + "': a number of at most " + max + " must follow '" + s.charAt(from - 1) + "'");
    }
    return Long.parseLong(s.substring(from, to));
  }

  /** The section this assignment names, as paths write it. */
  public String section() {
    return address(idstr, instance, occurrence);
  }

  /** Whether this is for the {@code occurrence}-th section {@code idstr} instance {@code inst}. */
  public boolean matches(String sectionIdstr, long inst, int sectionOccurrence) {
    return sectionIdstr.equals(idstr) && inst == instance && sectionOccurrence == occurrence;
  }

  /**
   * Whether a value named {@code path} as {@link StateFlattener} names values ({@code
   * idstr:instance/field/path[i]}) is this assignment's field or inside it.
   */
  public boolean covers(String path) {
    String own = idstr + ":" + Math.max(0, instance) + "/" + this.path;
    return path.equals(own)
        || (path.startsWith(own)
            && (path.charAt(own.length()) == '/' || path.charAt(own.length()) == '['))
        // a byte of a buffer, which compares as one value
        || own.startsWith(path + "[");
  }

  /** Sets the value in {@code root}; a bad path or a value that does not fit is an error. */
  public void apply(StateRecord root) throws VmStateException {
    List<String> segs = new ArrayList<>(List.of(path.split("/")));
    StateRecord rec = root;
    String where = section();
    while (!segs.isEmpty()) {
      String seg = segs.remove(0);
      String name = seg;
      List<Integer> idx = new ArrayList<>();
      // A field's own name may end in "[k]" (mc146818rtc's "unused[0]"): the longest name the
      // record has wins, the brackets after it are indices.
      int b = seg.lastIndexOf('[');
      while (b > 0 && rec.get(seg.substring(0, b)) == null) {
        b = seg.lastIndexOf('[', b - 1);
      }
      if (b > 0 && seg.endsWith("]") && rec.get(seg) == null) {
        name = seg.substring(0, b);
        for (String i : seg.substring(b + 1, seg.length() - 1).split("\\]\\[")) {
          try {
            idx.add(Integer.parseInt(i));
          } catch (NumberFormatException e) {
            throw bad(where + "/" + seg, "bad index '" + i + "'");
          }
        }
      }
      StateValue v = rec.get(name);
      if (v == null) {
        StateRecord sub = subsection(rec, seg);
        if (sub == null) {
          throw bad(where + "/" + seg, "no such field or subsection in '" + rec.name() + "'");
        }
        rec = sub;
        where = where + "/" + seg;
        continue;
      }
      where = where + "/" + seg;
      if (v instanceof StateRecord r && idx.isEmpty()) {
        rec = r;
        continue;
      }
      if (v instanceof StateValue.RecordArray ra && idx.size() == 1) {
        int i = idx.get(0);
        if (i < 0 || i >= ra.elements().size() || ra.elements().get(i) == null) {
          throw bad(where, "index " + i + " is outside 0.." + (ra.elements().size() - 1));
        }
        rec = ra.elements().get(i);
        continue;
      }
      if (!segs.isEmpty()) {
        throw bad(
            where, "is not a struct; the path continues with '" + String.join("/", segs) + "'");
      }
      setLeaf(rec, name, v, idx, where);
      return;
    }
    throw bad(where, "names a struct or subsection, not a value");
  }

  private static StateRecord subsection(StateRecord rec, String seg) {
    StateRecord s = rec.subsections().get(seg);
    return s != null ? s : rec.subsections().get(rec.name() + "/" + seg);
  }

  private void setLeaf(StateRecord rec, String name, StateValue v, List<Integer> idx, String where)
      throws VmStateException {
    if (v instanceof StateValue.Scalar s) {
      if (!idx.isEmpty()) {
        throw bad(where, "is a single value, not an array");
      }
      rec.setScalar(name, s.type(), number(s.type(), where));
    } else if (v instanceof StateValue.Array a && a.type() != WireType.BITMAP) {
      int n = a.length();
      int i = flatIndex(idx, n, where);
      Elements.of(a.type()).setBits(a.values(), i, number(a.type(), where));
    } else if (v instanceof StateValue.Array a) {
      long[] words = (long[]) a.values(); // a bitmap, as 64-bit words (as diff prints it)
      words[flatIndex(idx, words.length, where)] = number(WireType.UINT64, where);
    } else if (v instanceof StateValue.Bytes by) {
      byte[] bytes = hexBytes(where);
      if (idx.isEmpty()) {
        if (bytes.length != by.bytes().length) {
          throw bad(where, "needs exactly " + by.bytes().length + " bytes, got " + bytes.length);
        }
        System.arraycopy(bytes, 0, by.bytes(), 0, bytes.length);
      } else {
        int i = flatIndex(idx, by.bytes().length, where);
        if (bytes.length != 1) {
          throw bad(where, "one byte of a buffer takes one byte, got " + bytes.length);
        }
        by.bytes()[i] = bytes[0];
      }
    } else {
      throw bad(where, "cannot be set from the command line (" + v + ")");
    }
  }

  private static int flatIndex(List<Integer> idx, int n, String where)
      throws VmStateDecodeException {
    if (idx.size() != 1) {
      throw bad(where, "needs one index into its " + n + " elements");
    }
    int i = idx.get(0);
    if (i < 0 || i >= n) {
      throw bad(where, "index " + i + " is outside 0.." + (n - 1));
    }
    return i;
  }

  private long number(WireType type, String where) throws VmStateDecodeException {
    String v = value.toLowerCase(java.util.Locale.ROOT).replace("_", "");
    long parsed;
    try {
      if (v.equals("true") || v.equals("false")) {
        parsed = v.equals("true") ? 1 : 0;
      } else if (v.startsWith("0x") || v.startsWith("-0x")) {
        boolean neg = v.startsWith("-");
        String h = v.substring(neg ? 3 : 2);
        if (h.length() > 16 || h.isEmpty()) {
          throw new NumberFormatException();
        }
        parsed = Long.parseUnsignedLong(h, 16);
        if (neg) {
          parsed = -parsed;
        }
      } else if (type.width() == 8 && !type.isSigned() && !v.startsWith("-")) {
        parsed = Long.parseUnsignedLong(v);
      } else {
        parsed = Long.parseLong(v);
      }
    } catch (NumberFormatException e) {
      throw bad(where, "'" + value + "' is not a number");
    }
    long check = parsed;
    if (type.width() < 8 && !type.isSigned() && parsed < 0) {
      throw bad(where, "'" + value + "' does not fit " + type.qemuName());
    }
    if (!Scalars.fits(type, check)) {
      // Allow the unsigned spelling of a negative signed value, e.g. 0xff for an int8.
      long wrapped = Scalars.normalize(type, parsed);
      boolean unsignedSpelling =
          type.isSigned()
              && v.startsWith("0x")
              && type.width() < 8
              && parsed >= 0
              && parsed < (1L << (8 * type.width()));
      if (!unsignedSpelling) {
        throw bad(where, "'" + value + "' does not fit " + type.qemuName());
      }
      return wrapped;
    }
    return parsed;
  }

  private byte[] hexBytes(String where) throws VmStateDecodeException {
    String h = value.replace(" ", "").replace(":", "");
    if (h.startsWith("0x")) {
      h = h.substring(2);
    }
    try {
      return HexFormat.of().parseHex(h);
    } catch (IllegalArgumentException e) {
      throw bad(where, "'" + value + "' is not hex bytes");
    }
  }

  private static VmStateDecodeException bad(String where, String what) {
    return VmStateDecodeException.corrupt("--set " + where + ": " + what);
  }
}
