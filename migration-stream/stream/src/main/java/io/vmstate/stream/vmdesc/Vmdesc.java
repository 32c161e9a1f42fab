package io.vmstate.stream.vmdesc;

import io.vmstate.api.Nullable;
import io.vmstate.api.VmStateDecodeException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The VM description QEMU appends after EOF ({@code 0x06 | be32 N | N bytes of JSON}, reference
 * §5.9): the target page size and one entry per FULL device section, with its field layout. QEMU
 * never reads it; we use it to decode devices we have no description for.
 *
 * <p>The end of the committed QEMU 7.2 fixture {@code virt-gicv3-smp2.qemu} (397912 bytes):
 *
 * <pre>
 * 0x5c5f1  7e 00 00 00 15       footer of the last section (id 0x15)
 * 0x5c5f6  00                   EOF
 * 0x5c5f7  06                   QEMU_VM_VMDESCRIPTION
 * 0x5c5f8  00 00 4c 5c          be32 N = 19548
 * 0x5c5fc  7b 22 70 61 67 ...   N bytes of JSON: {"page_size": 4096, "devices": [...]}
 *                               (0x5c5fc + 19548 = 397912, the end of the file)
 * </pre>
 */
public final class Vmdesc {
  /** The default bound on the JSON size (64 MiB). */
  public static final int DEFAULT_MAX_BYTES = 64 << 20;

  private final Map<String, Object> root;
  private final byte[] json;
  private final long offset;
  private final Map<String, List<Map<String, Object>>> byKey = new HashMap<>();

  private Vmdesc(Map<String, Object> root, byte[] json, long offset) {
    this.root = root;
    this.json = json;
    this.offset = offset;
    for (Object d : devices()) {
      @SuppressWarnings("unchecked")
      Map<String, Object> dev = (Map<String, Object>) d;
      byKey
          .computeIfAbsent(
              key(String.valueOf(dev.get("name")), toLong(dev.get("instance_id"))),
              k -> new ArrayList<>(1))
          .add(dev);
    }
  }

  /** Parses the JSON bytes of a trailer found at stream offset {@code offset}. */
  @SuppressWarnings("unchecked")
  public static Vmdesc parse(byte[] json, long offset) throws VmStateDecodeException {
    // Device entries' members (depth 3: root, devices, entry, member) that repeat byte for byte
    // (the fields of 512 CPUs) are read once and shared; see layout().
    Object tree = JsonTree.parse(json, 0, json.length, offset, 3);
    if (!(tree instanceof Map<?, ?> m) || !(m.get("devices") instanceof List<?>)) {
      throw VmStateDecodeException.corrupt("vmdesc JSON is not an object with a \"devices\" list")
          .atOffset(offset);
    }
    for (Object d : (List<?>) m.get("devices")) {
      if (!(d instanceof Map<?, ?> dm)
          || !(dm.get("name") instanceof String)
          || !(dm.get("instance_id") instanceof Long)) {
        throw VmStateDecodeException.corrupt(
                "vmdesc device entry without a name and instance_id: " + abbreviate(d))
            .atOffset(offset);
      }
    }
    return new Vmdesc((Map<String, Object>) m, json, offset);
  }

  private static String abbreviate(Object o) {
    String s = String.valueOf(o);
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }

  private static String key(String idstr, long instance) {
    return instance + ":" + idstr;
  }

  /**
   * The number of field entries, starting at {@code fields[i]}, that describe one array element by
   * element (an array QEMU could not compress), or 0 when {@code fields[i]} has no {@code index}.
   * Both dialects QEMU writes are read (reference §5.9):
   *
   * <ul>
   *   <li>QEMU 7.2 gives every element an {@code index}: {@code 0, 1, ..., n-1};
   *   <li>later releases (10.0 included) give {@code index} to all but the last element, which is
   *       written as if it were a single value: {@code 0, ..., n-2} and then an entry of the same
   *       name without {@code index} (QEMU's {@code vmsd_desc_field_start} is passed the number of
   *       elements left, not the array's length). QEMU 10.0's analyzer merges same-name entries
   *       into one list, so the element belongs to the run.
   * </ul>
   *
   * @throws VmStateDecodeException when the indexes of the run are out of order
   */
  public static int elementRun(List<?> fields, int i, String owner) throws VmStateDecodeException {
    if (!(fields.get(i) instanceof Map<?, ?> first) || !first.containsKey("index")) {
      return 0;
    }
    Object name = first.get("name");
    int n = 0;
    while (i + n < fields.size()
        && fields.get(i + n) instanceof Map<?, ?> f
        && Objects.equals(name, f.get("name"))) {
      if (!f.containsKey("index")) {
        if (f.containsKey("array_len")) {
          break;
        }
        return n + 1; // the last element, written without its index
      }
      if (toLong(f.get("index")) != n) {
        throw VmStateDecodeException.corrupt(
            "vmdesc entry '"
                + owner
                + "' field '"
                + name
                + "' has index "
                + f.get("index")
                + " where "
                + n
                + " was due");
      }
      n++;
    }
    return n;
  }

  static long toLong(Object o) {
    return o instanceof Number n ? n.longValue() : -1;
  }

  /** The parsed JSON document (ordered maps and lists). */
  public Map<String, Object> root() {
    return root;
  }

  /** The stream offset of the JSON text (what errors in an entry point at). */
  public long offset() {
    return offset;
  }

  /** The JSON bytes as they were in the stream. */
  public byte[] json() {
    return json.clone();
  }

  /** The length of the JSON in bytes (the trailer's be32 N). */
  public int jsonLength() {
    return json.length;
  }

  /** The {@code page_size} member, or {@code fallback} when absent. */
  public int pageSize(int fallback) {
    Object p = root.get("page_size");
    return p instanceof Long l && l > 0 && l <= (1 << 30) ? (int) (long) l : fallback;
  }

  /** The device entries in stream order. */
  public List<?> devices() {
    return (List<?>) root.get("devices");
  }

  /**
   * The layout of a device (or subsection or struct) entry: equal for two entries with the same
   * {@code vmsd_name} and {@code version} whose {@code fields} and {@code subsections} are the same
   * objects, which they are for byte-identical entries of one parsed vmdesc. A key for caching what
   * is derived from an entry's layout (descriptions, printing plans); entries that are equal but
   * not shared just get one cache entry each.
   */
  public static Object layout(Map<String, Object> entry) {
    return new Layout(
        entry.get("vmsd_name"),
        entry.get("version"),
        entry.get("fields"),
        entry.get("subsections"));
  }

  private record Layout(Object vmsd, Object version, Object fields, Object subsections) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Layout l
          && Objects.equals(vmsd, l.vmsd)
          && Objects.equals(version, l.version)
          && fields == l.fields
          && subsections == l.subsections;
    }

    @Override
    public int hashCode() {
      return Objects.hash(vmsd, version)
          + 31 * System.identityHashCode(fields)
          + System.identityHashCode(subsections);
    }
  }

  /** The entry for section {@code idstr} instance {@code instance}, or null (last one wins). */
  public @Nullable Map<String, Object> device(String idstr, long instance) {
    List<Map<String, Object>> l = byKey.get(key(idstr, instance));
    return l == null ? null : l.get(l.size() - 1);
  }

  /**
   * The entry of the {@code occurrence}-th (from 0) section {@code idstr} instance {@code
   * instance}, or null. QEMU can write one (idstr, instance) pair more than once (two {@code
   * -netdev user} give two {@code slirp} sections, both instance 0) and describes them in stream
   * order, so the n-th such section is described by the n-th such entry.
   */
  public @Nullable Map<String, Object> device(String idstr, long instance, int occurrence) {
    List<Map<String, Object>> l = byKey.get(key(idstr, instance));
    return l == null || occurrence >= l.size() ? null : l.get(occurrence);
  }

  /**
   * Whether {@code entry} describes a device saved the old way, by a handler without a VMSD (QEMU's
   * {@code save_state}, e.g. {@code slirp}): it has no {@code vmsd_name} and no {@code version},
   * only {@code size} and one {@code buffer} field {@code data} of that size (QEMU
   * migration/savevm.c, vmstate_save).
   */
  public static boolean isOldStyle(Map<String, Object> entry) {
    return !entry.containsKey("vmsd_name")
        && !entry.containsKey("version")
        && entry.containsKey("size");
  }

  @Override
  public String toString() {
    return "vmdesc ("
        + devices().size()
        + " devices, "
        + new String(json, 0, Math.min(40, json.length), StandardCharsets.UTF_8)
        + "...)";
  }
}
