package io.vmstate.stream;

import io.vmstate.api.Nullable;
import io.vmstate.api.SectionRef;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.WireOutput;
import io.vmstate.stream.vmdesc.JsonTree;
import io.vmstate.stream.vmdesc.QemuJsonWriter;
import io.vmstate.stream.vmdesc.VmdescWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The per-section checks of {@code verify}: a device body decodes and encodes back to the same
 * bytes, and, where a typed description exists, the vmdesc's layout of the section agrees with it.
 */
public final class SectionRoundTrip {
  private SectionRoundTrip() {}

  /**
   * Encodes {@code decoded} (what {@code d} read from {@code body}) again and compares with {@code
   * body}; a difference fails naming the first field whose value differs after decoding the
   * re-encoded bytes, or else the first differing byte.
   */
  public static void check(
      SectionRef ref, VmStateDescription<StateRecord> d, StateRecord decoded, byte[] body)
      throws VmStateException {
    WireOutput out = WireOutput.toBytes(body.length);
    VmStateCodec.DEFAULT.save(d, decoded, out, null, null);
    byte[] again = out.toByteArray();
    int m = Arrays.mismatch(body, again);
    if (m < 0) {
      return;
    }
    String prefix = ref.idstr() + ":" + ref.instanceId();
    Map<String, String> a = StateFlattener.flatten(prefix, decoded);
    StateRecord back = new StateRecord(d.name());
    String where = "byte " + m + " of the body";
    try {
      VmStateCodec.DEFAULT.load(d, back, again, ref.versionId());
      Map<String, String> b = StateFlattener.flatten(prefix, back);
      Set<String> keys = new LinkedHashSet<>(a.keySet());
      keys.addAll(b.keySet());
      for (String k : keys) {
        if (!Objects.equals(a.get(k), b.get(k))) {
          where = "field " + k + " (" + a.get(k) + " read, " + b.get(k) + " after re-encoding)";
          break;
        }
      }
    } catch (VmStateException x) {
      where += " (the re-encoded body does not decode: " + x.getMessage() + ")";
    }
    throw VmStateDecodeException.corrupt(
            "the section does not survive a decode/encode round trip: " + where)
        .inSection(ref);
  }

  /**
   * Checks the layout {@code vmdescEntry} gives a section against the layout our typed description
   * {@code typed} writes for the same state ({@code typedRecord}, which it decoded from the
   * section); the two are compared element by element, so the array forms of the vmdesc dialects
   * ({@code array_len}, {@code index}, the post-7.2 index-less last element) do not count.
   */
  public static void checkLayout(
      SectionRef ref,
      Map<String, Object> vmdescEntry,
      VmStateDescription<StateRecord> typed,
      StateRecord typedRecord)
      throws VmStateException {
    Map<String, Object> ours = layoutOf(typed, typedRecord);
    List<String> theirs = new ArrayList<>();
    flatten("", vmdescEntry, theirs);
    List<String> mine = new ArrayList<>();
    flatten("", ours, mine);
    for (int i = 0; i < Math.max(theirs.size(), mine.size()); i++) {
      String t = i < theirs.size() ? theirs.get(i) : "nothing";
      String o = i < mine.size() ? mine.get(i) : "nothing";
      if (!t.equals(o)) {
        throw VmStateDecodeException.layoutDisagreement(
                "the vmdesc has " + t + " where our description of '" + typed.name() + "' has " + o)
            .inSection(ref);
      }
    }
  }

  /** The vmdesc entry our typed description writes for {@code record}. */
  private static Map<String, Object> layoutOf(
      VmStateDescription<StateRecord> typed, StateRecord record) throws VmStateException {
    QemuJsonWriter json = new QemuJsonWriter();
    json.startObject(null);
    VmStateCodec.DEFAULT.save(typed, record, WireOutput.toBytes(), new VmdescWriter(json), null);
    json.endObject();
    byte[] text = json.text().getBytes(StandardCharsets.UTF_8);
    @SuppressWarnings("unchecked")
    Map<String, Object> ours = (Map<String, Object>) JsonTree.parse(text, 0, text.length, 0);
    return ours;
  }

  /**
   * The first top-level field whose element count differs between {@code vmdescEntry} and the
   * layout {@code typed} writes for {@code typedRecord}, as {@code "cpu: the stream has 2 elements,
   * ours 4"}, or null when every count agrees (configuration counts such as a GICv3's CPUs are what
   * this names).
   */
  public static @Nullable String countDifference(
      Map<String, Object> vmdescEntry,
      VmStateDescription<StateRecord> typed,
      StateRecord typedRecord)
      throws VmStateException {
    Map<Object, Long> theirs = counts(vmdescEntry);
    Map<Object, Long> ours = counts(layoutOf(typed, typedRecord));
    for (Map.Entry<Object, Long> e : theirs.entrySet()) {
      Long o = ours.get(e.getKey());
      if (o != null && !o.equals(e.getValue())) {
        return e.getKey() + ": the stream has " + e.getValue() + " elements, ours " + o;
      }
    }
    return null;
  }

  private static Map<Object, Long> counts(Map<?, ?> entry) {
    Map<Object, Long> n = new java.util.LinkedHashMap<>();
    if (entry.get("fields") instanceof List<?> fields) {
      for (Object o : fields) {
        if (o instanceof Map<?, ?> f) {
          long k = f.get("array_len") instanceof Number len ? len.longValue() : 1;
          n.merge(f.get("name"), k, Long::sum);
        }
      }
    }
    return n;
  }

  /** One line per element: {@code path name type size}, structs and subsections recursed. */
  private static void flatten(String prefix, Map<?, ?> entry, List<String> out) {
    String vmsd = String.valueOf(entry.get("vmsd_name"));
    String at = prefix + vmsd + " v" + entry.get("version");
    if (entry.get("fields") instanceof List<?> fields) {
      Map<Object, Integer> seen = new java.util.HashMap<>();
      for (Object o : fields) {
        if (!(o instanceof Map<?, ?> f)) {
          continue;
        }
        long n = f.get("array_len") instanceof Number len ? len.longValue() : 1;
        for (long k = 0; k < n; k++) {
          int idx = seen.merge(f.get("name"), 1, Integer::sum) - 1;
          String el = at + "/" + f.get("name") + "#" + idx;
          if (f.get("struct") instanceof Map<?, ?> s) {
            out.add(el + " struct");
            flatten(el + "/", s, out);
          } else {
            out.add(el + " " + f.get("type") + " size " + f.get("size"));
          }
        }
      }
    }
    if (entry.get("subsections") instanceof List<?> subs) {
      for (Object s : subs) {
        if (s instanceof Map<?, ?> sm) {
          out.add(at + " subsection");
          flatten(at + "/", sm, out);
        }
      }
    }
  }
}
