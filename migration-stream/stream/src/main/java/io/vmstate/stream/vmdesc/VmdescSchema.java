package io.vmstate.stream.vmdesc;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.WireType;
import io.vmstate.codec.Elements;
import io.vmstate.codec.StateRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Builds a {@code VmStateDescription<StateRecord>} from one vmdesc entry (a device, a struct or a
 * subsection), so any device decodes into the generic tree with the one codec.
 *
 * <ul>
 *   <li>An entry with {@code array_len n} becomes an array of n elements (structs: a struct array).
 *   <li>Consecutive entries of one name with {@code index 0..n-1} (arrays QEMU could not compress;
 *       after 7.2 the last element has no {@code index}, see {@link Vmdesc#elementRun}) become one
 *       field per element, named {@code name[i]}, bound to element i of one record value {@code
 *       name}; each struct element keeps its own layout and subsections.
 *   <li>Scalars of the types of reference §3 are read as scalars; {@code struct} entries recurse;
 *       every other type ({@code buffer}, {@code unused_buffer}, {@code vstruct}, {@code tmp},
 *       custom infos such as {@code pci config}) is {@code size} raw bytes, as QEMU's analyzer
 *       reads them.
 *   <li>Subsections are listed as the entry lists them; a present one is a record of its own.
 * </ul>
 *
 * Every field made here is tagged with its vmdesc name, type and array form ({@link VmdescMeta}),
 * so saving the records again writes the same vmdesc.
 */
public final class VmdescSchema {
  /**
   * The bound on the bytes one field may claim (256 MiB): sizes and element counts are checked
   * against it before they are multiplied or reach the description builder.
   */
  static final int MAX_FIELD_BYTES = 256 << 20;

  /** Field names a description may repeat (as the builder allows: QEMU's unused and tmp). */
  private static final Set<String> REPEATABLE = Set.of("unused", "tmp");

  private VmdescSchema() {}

  /** The description of a device or subsection entry. */
  public static VmStateDescription<StateRecord> describe(Map<String, Object> entry)
      throws VmStateDecodeException {
    return build(entry, Function.identity(), true, null, Function.identity());
  }

  /**
   * The description of a section saved the old way ({@link Vmdesc#isOldStyle}): its one {@code
   * data} buffer of {@code size} bytes, named after the section's idstr and taking the version its
   * section header gives (QEMU hands that version to the old handler, the vmdesc records none).
   */
  public static VmStateDescription<StateRecord> describeOldStyle(
      Map<String, Object> entry, int version) throws VmStateDecodeException {
    String idstr = str(entry, "name", "?");
    long size = Vmdesc.toLong(entry.get("size"));
    List<Map<String, Object>> fields = list(entry, "fields", idstr);
    if (fields.size() != 1
        || !"data".equals(fields.get(0).get("name"))
        || !"buffer".equals(fields.get(0).get("type"))
        || Vmdesc.toLong(fields.get(0).get("size")) != size) {
      throw bad(
          idstr,
          "has no vmsd_name and no version (a device saved without a VMSD) but its fields are"
              + " not one 'data' buffer of its size "
              + entry.get("size"));
    }
    size(idstr, fields.get(0));
    if (version < 0) {
      // The section header's be32 version, from the stream: no QEMU writes one of 2^31 or more.
      throw VmStateDecodeException.corrupt(
          "section '"
              + idstr
              + "' (saved without a VMSD) has version "
              + Integer.toUnsignedString(version)
              + " in its header, which no QEMU writes");
    }
    return finish(entry, Function.identity(), true, null, Function.identity(), idstr, version);
  }

  private static VmStateDescription<StateRecord> build(
      Map<String, Object> entry,
      Function<StateRecord, StateRecord> scope,
      boolean top,
      String subsectionName,
      Function<StateRecord, StateRecord> parentScope)
      throws VmStateDecodeException {
    String vmsdName = str(entry, "vmsd_name", "?");
    if (vmsdName.isEmpty() || vmsdName.length() > 255) {
      throw bad(vmsdName, "has a vmsd_name of " + vmsdName.length() + " characters (1..255)");
    }
    long version = Vmdesc.toLong(entry.get("version"));
    if (version < 0 || version > Integer.MAX_VALUE) {
      throw bad(vmsdName, "has no version");
    }
    return finish(entry, scope, top, subsectionName, parentScope, vmsdName, (int) version);
  }

  private static VmStateDescription<StateRecord> finish(
      Map<String, Object> entry,
      Function<StateRecord, StateRecord> scope,
      boolean top,
      String subsectionName,
      Function<StateRecord, StateRecord> parentScope,
      String vmsdName,
      int version)
      throws VmStateDecodeException {
    VmStateDescription.Builder<StateRecord> b =
        VmStateDescription.<StateRecord>named(vmsdName).version(version).minimumVersion(0);
    if (top) {
      // Loads go into fresh records that are dropped on failure, so no staging copy is needed;
      // callers that load into a record they keep can stage it themselves.
      b.priority(io.vmstate.api.MigrationPriority.DEFAULT);
    }
    if (subsectionName != null) {
      b.needed(r -> parentScope.apply(r).hasSubsection(subsectionName))
          .preLoad(r -> parentScope.apply(r).subsection(subsectionName));
    }
    List<Map<String, Object>> fields = list(entry, "fields", vmsdName);
    List<VmdescMeta> metas = new ArrayList<>();
    // The builder's checks are for programmers; hostile names are refused here first.
    Set<String> names = new HashSet<>();
    for (int i = 0; i < fields.size(); ) {
      Map<String, Object> f = fields.get(i);
      String name = str(f, "name", null);
      if (name == null) {
        throw bad(vmsdName, "has a field without a name");
      }
      if (!REPEATABLE.contains(name) && !names.add(name)) {
        throw bad(vmsdName, "lists field '" + name + "' twice");
      }
      int run = Vmdesc.elementRun(fields, i, vmsdName);
      if (run > 0) {
        for (int k = 0; k < run; k++) {
          element(b, metas, vmsdName, fields.get(i + k), name, k, run, scope);
        }
        i += run;
      } else {
        long len = f.containsKey("array_len") ? Vmdesc.toLong(f.get("array_len")) : 1;
        if (len < 1 || len > (1 << 24)) {
          throw bad(vmsdName, "field '" + name + "' has array_len " + f.get("array_len"));
        }
        whole(b, metas, vmsdName, f, name, (int) len, f.containsKey("array_len"), scope);
        i++;
      }
    }
    Object subs = entry.get("subsections");
    if (subs != null) {
      Set<String> subNames = new HashSet<>();
      for (Map<String, Object> s : list(entry, "subsections", vmsdName)) {
        String subName = str(s, "vmsd_name", null);
        if (subName == null || !subName.startsWith(vmsdName) || subName.equals(vmsdName)) {
          throw bad(vmsdName, "lists subsection '" + subName + "' not named after it");
        }
        if (!subNames.add(subName)) {
          throw bad(vmsdName, "lists subsection '" + subName + "' twice");
        }
        Function<StateRecord, StateRecord> subScope = r -> scope.apply(r).subsection(subName);
        b.subsection(build(s, subScope, false, subName, scope));
      }
    }
    // Nothing build() checks can fail here: no field has a version or a count field, and the
    // version was checked above. A failure would be a bug of ours, not bad input: not caught.
    VmStateDescription<StateRecord> d = b.build();
    for (int i = 0; i < metas.size(); i++) {
      VmdescMeta.tag(d.fields().get(i), metas.get(i));
    }
    return d;
  }

  /** A field that is not split into index entries: a single value or a compressed array. */
  private static void whole(
      VmStateDescription.Builder<StateRecord> b,
      List<VmdescMeta> metas,
      String owner,
      Map<String, Object> f,
      String name,
      int n,
      boolean arrayLen,
      Function<StateRecord, StateRecord> scope)
      throws VmStateDecodeException {
    String type = str(f, "type", "unknown");
    int size = size(owner, f);
    if ((long) n * size > MAX_FIELD_BYTES) {
      throw bad(owner, "field '" + name + "' claims " + n + " x " + size + " bytes");
    }
    WireType scalar = scalarType(type, size);
    if (type.equals("struct")) {
      VmStateDescription<StateRecord> child = structOf(owner, f);
      String childName = child.name();
      if (!arrayLen) {
        b.struct(name, r -> scope.apply(r).record(name, childName), child);
      } else {
        b.structArray(name, r -> scope.apply(r).records(name, childName, n), n, child);
      }
    } else if (scalar != null && !arrayLen) {
      WireType plain = scalar.plain();
      b.scalar(
          name,
          plain,
          r -> scope.apply(r).bits(name),
          (r, v) -> scope.apply(r).setScalar(name, scalar, v));
    } else if (scalar != null) {
      b.array(scalar.plain(), name, r -> scope.apply(r).array(name, scalar, n), n);
    } else if (type.equals("bitmap") && size % 8 == 0 && !arrayLen) {
      b.bitmap(name, size * 8, r -> (long[]) scope.apply(r).array(name, WireType.BITMAP, size / 8));
    } else {
      WireType raw = rawType(type);
      b.buffer(name, r -> scope.apply(r).bytes(name, raw, n * size), n * size);
    }
    tag(metas, name, type, arrayLen ? VmdescMeta.ARRAY_LEN : VmdescMeta.SINGLE);
  }

  /** Element {@code k} of {@code n} of a field QEMU described per element. */
  private static void element(
      VmStateDescription.Builder<StateRecord> b,
      List<VmdescMeta> metas,
      String owner,
      Map<String, Object> f,
      String name,
      int k,
      int n,
      Function<StateRecord, StateRecord> scope)
      throws VmStateDecodeException {
    String type = str(f, "type", "unknown");
    int size = size(owner, f);
    WireType scalar = scalarType(type, size);
    if ((long) n * size > MAX_FIELD_BYTES) {
      throw bad(owner, "field '" + name + "' claims " + n + " x " + size + " bytes");
    }
    String fieldName = name + "[" + k + "]";
    if (type.equals("struct")) {
      VmStateDescription<StateRecord> child = structOf(owner, f);
      String childName = child.name();
      b.struct(fieldName, r -> scope.apply(r).records(name, childName, n)[k], child);
    } else if (scalar != null) {
      Elements kind = Elements.of(scalar);
      b.scalar(
          fieldName,
          scalar.plain(),
          r -> kind.bits(scope.apply(r).array(name, scalar, n), k),
          (r, v) -> kind.setBits(scope.apply(r).array(name, scalar, n), k, v));
    } else {
      WireType raw = rawType(type);
      b.buffer(fieldName, r -> scope.apply(r).bytes(name, raw, n * size), k * size, size);
    }
    tag(metas, name, type, f.containsKey("index") ? k : VmdescMeta.LAST_WITHOUT_INDEX);
  }

  private static void tag(List<VmdescMeta> metas, String name, String type, int form) {
    metas.add(new VmdescMeta(name, type, form));
  }

  private static VmStateDescription<StateRecord> structOf(String owner, Map<String, Object> f)
      throws VmStateDecodeException {
    if (!(f.get("struct") instanceof Map<?, ?> m)) {
      throw bad(owner, "struct field '" + f.get("name") + "' has no \"struct\" object");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> sm = (Map<String, Object>) m;
    return build(sm, Function.identity(), false, null, Function.identity());
  }

  /** The scalar type QEMU names {@code type}, when {@code size} is its width; else null. */
  static WireType scalarType(String type, int size) {
    WireType t = WireType.fromQemuName(type);
    if (t == null || !t.isFixedWidthScalar() || t.width() != size) {
      return null;
    }
    return t;
  }

  private static WireType rawType(String type) {
    return switch (type) {
      case "unused_buffer" -> WireType.UNUSED;
      case "bitmap" -> WireType.BITMAP;
      default -> WireType.BUFFER;
    };
  }

  private static int size(String owner, Map<String, Object> f) throws VmStateDecodeException {
    long s = Vmdesc.toLong(f.get("size"));
    if (s < 0 || s >= MAX_FIELD_BYTES) { // below 2^28: size * 8 bits stays an int
      throw bad(owner, "field '" + f.get("name") + "' has size " + f.get("size"));
    }
    return (int) s;
  }

  private static String str(Map<String, Object> m, String key, String dflt) {
    Object v = m.get(key);
    return v instanceof String s ? s : dflt;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Map<String, Object> m, String key, String owner)
      throws VmStateDecodeException {
    Object v = m.get(key);
    if (!(v instanceof List<?> l)) {
      throw bad(owner, "has no \"" + key + "\" list");
    }
    for (Object e : l) {
      if (!(e instanceof Map<?, ?>)) {
        throw bad(owner, "has a \"" + key + "\" entry that is not an object");
      }
    }
    return (List<Map<String, Object>>) v;
  }

  private static VmStateDecodeException bad(String owner, String what) {
    return VmStateDecodeException.corrupt("vmdesc entry '" + owner + "' " + what);
  }
}
