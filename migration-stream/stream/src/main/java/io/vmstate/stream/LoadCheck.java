package io.vmstate.stream;

import io.vmstate.api.SectionRef;
import io.vmstate.api.VersionWindow;
import io.vmstate.api.schema.proto.DescriptionSchema;
import io.vmstate.api.schema.proto.FieldSchema;
import io.vmstate.api.schema.proto.SchemaSet;
import io.vmstate.api.schema.proto.SectionSchema;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Would a destination QEMU load this stream? Compares each device section of a stream, as its
 * vmdesc describes it (the fields and subsections that were actually sent), with the destination's
 * {@code -dump-vmstate} (read by vmstate-schema-json's {@code SchemaJsonReader}), along the checks
 * QEMU's {@code vmstate_load_state} makes: the section version inside {@code [minimum_version_id,
 * version_id]} of the description with the same vmsd name, every subsection known to it (and inside
 * its window), every field on both sides in the same order with the same element size, and the
 * element count where the dump has one ({@code "num"}, QEMU 8.1+).
 *
 * <p>What a {@code -dump-vmstate} cannot tell is reported as a {@link #notes() note}, never as a
 * pass: sections registered outside device classes (RAM, {@code timer}, the CPUs, {@code
 * globalstate}) are not in it; counts decided at run time (a CPU's register list) and {@code
 * field_exists} tests are not in it; QEMU before 8.1 writes no element counts.
 */
public final class LoadCheck {
  /** One reason the destination would refuse the stream. */
  public record Problem(SectionRef section, String path, String message) {
    @Override
    public String toString() {
      return section.idstr()
          + " (instance "
          + section.instanceId()
          + ")"
          + (path.isEmpty() ? "" : ": " + path)
          + ": "
          + message;
    }
  }

  private final String machine;
  private final Map<String, DescriptionSchema> byVmsd = new HashMap<>();
  private final List<Problem> problems = new ArrayList<>();
  private final Set<String> notes = new LinkedHashSet<>();
  private final Set<String> unchecked = new LinkedHashSet<>();
  private int checked;

  /** A check against the destination's schema set (a QEMU {@code -dump-vmstate}). */
  public LoadCheck(SchemaSet destination) {
    this.machine = destination.getMachine();
    for (SectionSchema s : destination.getSectionsList()) {
      byVmsd.putIfAbsent(s.getDescription().getName(), s.getDescription());
    }
  }

  /**
   * Checks the configuration section: QEMU's destination refuses another machine type
   * (configuration_post_load in migration/savevm.c).
   */
  public void configuration(MachineConfiguration c) {
    if (c == null || c.machine() == null) {
      return;
    }
    SectionRef ref = new SectionRef("configuration", 0, 1);
    if (machine.isEmpty()) {
      notes.add("the -dump-vmstate names no machine type: configuration not checked");
    } else if (!machine.equals(c.machine())) {
      problem(
          ref,
          "name",
          "machine type '"
              + c.machine()
              + "' in the stream, '"
              + machine
              + "' on the destination (start the destination with -M "
              + c.machine()
              + " if it has it)");
    }
  }

  /**
   * Checks one section: {@code entry} is its vmdesc entry, or null for a section the vmdesc does
   * not describe (RAM and other iterative sections).
   */
  public void section(SectionRef ref, Map<String, Object> entry) {
    if (ref.idstr().equals("cpu")) {
      notes.add(
          "cpu: a CPU's register list (cpreg_vmstate_indexes/values) is checked against the"
              + " destination CPU model at run time (its length bound, every register known and"
              + " writable with that value), which no -dump-vmstate says; QEMU refuses a mismatch"
              + " (\"Invalid value N expecting positive value <= M\", or \"error while loading"
              + " state for instance 0x0 of device 'cpu'\")");
    }
    if (entry == null) {
      unchecked.add(ref.idstr());
      return;
    }
    String vmsd = String.valueOf(entry.get("vmsd_name"));
    DescriptionSchema dest = byVmsd.get(vmsd);
    if (dest == null) {
      unchecked.add(ref.idstr());
      return;
    }
    checked++;
    description(ref, "", entry, ref.versionId(), dest);
  }

  /** The problems found, in stream order. */
  public List<Problem> problems() {
    return List.copyOf(problems);
  }

  /** How many sections were compared with a description of the destination. */
  public int checkedSections() {
    return checked;
  }

  /** What the dump could not tell, one line each. */
  public List<String> notes() {
    List<String> all = new ArrayList<>();
    if (!unchecked.isEmpty()) {
      all.add(
          "not checked, not in the -dump-vmstate (registered outside device classes, or unknown"
              + " to the destination: QEMU then fails with \"Unknown savevm section or instance\"): "
              + String.join(", ", unchecked));
    }
    all.addAll(notes);
    return all;
  }

  private void problem(SectionRef ref, String path, String message) {
    problems.add(new Problem(ref, path, message));
  }

  private void description(
      SectionRef ref, String path, Map<String, Object> entry, int version, DescriptionSchema d) {
    int min = d.getMinimumVersionId();
    if (min < 0 || min > d.getVersionId()) {
      problem(
          ref,
          path,
          "the destination's '"
              + d.getName()
              + "' accepts no version (minimum_version_id "
              + min
              + ", version_id "
              + d.getVersionId()
              + ")");
      return;
    }
    VersionWindow window = VersionWindow.of(min, d.getVersionId());
    if (!window.contains(version)) {
      problem(
          ref,
          path,
          "version "
              + version
              + " is outside the destination's window "
              + window
              + " for '"
              + d.getName()
              + "'");
      return; // QEMU stops at the version: the fields are not compared
    }
    fields(ref, path, list(entry.get("fields")), version, d);
    for (Map<String, Object> sub : maps(list(entry.get("subsections")))) {
      String name = String.valueOf(sub.get("vmsd_name"));
      String subPath = join(path, name);
      DescriptionSchema dsub = null;
      for (DescriptionSchema s : d.getSubsectionsList()) {
        if (s.getName().equals(name)) {
          dsub = s;
        }
      }
      if (dsub == null) {
        problem(ref, subPath, "subsection unknown to the destination ('" + d.getName() + "')");
        continue;
      }
      description(ref, subPath, sub, intOf(sub.get("version"), dsub.getVersionId()), dsub);
    }
  }

  /**
   * A field of the stream with its element count (struct array elements collapsed). A vmdesc names
   * the second field of a repeated name {@code name[1]} (QEMU's vmdesc writer; {@code cur_offset}
   * of fw_cfg): {@code occurrence} is that index, 0 without one.
   */
  private record Sent(String name, int occurrence, Map<String, Object> first, int count) {
    boolean same(Dest d) {
      return name.equals(d.field.getName()) && occurrence == d.occurrence;
    }
  }

  /** A destination field with its occurrence among fields of the same name. */
  private record Dest(FieldSchema field, int occurrence) {}

  private static final java.util.regex.Pattern REPEATED =
      java.util.regex.Pattern.compile("(.*)\\[(\\d{1,6})\\]");

  private void fields(
      SectionRef ref, String path, List<Object> sentFields, int version, DescriptionSchema d) {
    List<Sent> sent = new ArrayList<>();
    for (Map<String, Object> f : maps(sentFields)) {
      String name = String.valueOf(f.get("name"));
      int occurrence = 0;
      java.util.regex.Matcher m = REPEATED.matcher(name);
      if (m.matches()) {
        name = m.group(1);
        occurrence = Integer.parseInt(m.group(2));
      }
      Sent last = sent.isEmpty() ? null : sent.get(sent.size() - 1);
      // elements of a struct array: "index" 0, 1, ...; QEMU 9.1+ writes none on the last one
      if (last != null && last.name.equals(name) && last.first.containsKey("index")) {
        sent.set(sent.size() - 1, new Sent(name, occurrence, last.first, last.count + 1));
      } else {
        sent.add(new Sent(name, occurrence, f, intOf(f.get("array_len"), 1)));
      }
    }
    List<Dest> dest = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (FieldSchema f : d.getFieldsList()) {
      int occurrence = seen.merge(f.getName(), 1, Integer::sum) - 1;
      if (f.getVersionId() <= version) {
        dest.add(new Dest(f, occurrence)); // fields newer than the stream's are not loaded
      }
    }
    int i = 0;
    int j = 0;
    while (i < sent.size() && j < dest.size()) {
      Sent s = sent.get(i);
      int k = j;
      while (k < dest.size() && !s.same(dest.get(k))) {
        k++;
      }
      if (k < dest.size()) {
        missing(ref, path, dest.subList(j, k)); // the destination expects these first
        compare(ref, join(path, s.name), s, dest.get(k).field);
        i++;
        j = k + 1;
        continue;
      }
      FieldSchema f = dest.get(j).field;
      boolean struct = "struct".equals(s.first.get("type")) || f.hasChild();
      if (!struct
          && s.first.get("size") instanceof Long size
          && f.hasElementSize()
          && size == f.getElementSize()) {
        // QEMU loads by position, not by name: a renamed field of the same size loads
        notes.add(
            "renamed on the destination, same size, loads: "
                + ref.idstr()
                + ": "
                + join(path, s.name)
                + " -> "
                + f.getName());
        compare(ref, join(path, s.name), s, f);
        i++;
        j++;
        continue;
      }
      problem(
          ref,
          join(path, s.name),
          "the stream sends this field where the destination expects '"
              + f.getName()
              + "'; the rest of '"
              + d.getName()
              + "' would be read out of place");
      return;
    }
    for (Sent s : sent.subList(i, sent.size())) {
      problem(ref, join(path, s.name), "field only in the stream, the destination has none");
    }
    missing(ref, path, dest.subList(j, dest.size()));
  }

  /** Destination fields the stream did not send. */
  private void missing(SectionRef ref, String path, List<Dest> skipped) {
    for (Dest d : skipped) {
      FieldSchema f = d.field;
      if (f.getHasExistsTest()) {
        notes.add(
            "field_exists tests are decided at run time on the destination (e.g. "
                + ref.idstr()
                + ": "
                + join(path, f.getName())
                + ")");
      } else {
        problem(ref, join(path, f.getName()), "field only on the destination, the stream has none");
      }
    }
  }

  private void compare(SectionRef ref, String path, Sent s, FieldSchema f) {
    Object type = s.first.get("type");
    if ("struct".equals(type) && s.first.get("struct") instanceof Map<?, ?> st && f.hasChild()) {
      @SuppressWarnings("unchecked")
      Map<String, Object> inner = (Map<String, Object>) st;
      // struct elements carry no version: the destination loads them at its own
      description(ref, path, inner, f.getChild().getVersionId(), f.getChild());
    } else if (s.first.get("size") instanceof Long size
        && f.hasElementSize()
        && f.getElementSize() > 0 // 0: sized by a VMStateInfo of its own (msix, pci config)
        && size != f.getElementSize()) {
      problem(
          ref,
          path,
          "element size " + size + " in the stream, " + f.getElementSize() + " on the destination");
    }
    if (f.hasCount()) {
      if (f.getCount() != s.count) {
        problem(
            ref,
            path,
            s.count + " elements in the stream, " + f.getCount() + " on the destination");
      }
    } else if (s.count > 1 || s.first.containsKey("array_len")) {
      notes.add(
          "element counts are not in this -dump-vmstate (QEMU writes them since 8.1), and counts"
              + " decided at run time (a CPU's register list) are in none: array lengths not"
              + " checked");
    }
  }

  private static String join(String path, String name) {
    return path.isEmpty() ? name : path + "/" + name;
  }

  private static int intOf(Object o, int fallback) {
    return o instanceof Long l ? (int) (long) l : fallback;
  }

  private static List<Object> list(Object o) {
    if (o instanceof List<?> l) {
      return new ArrayList<>(l);
    }
    return List.of();
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> maps(List<Object> l) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object o : l) {
      if (o instanceof Map<?, ?> m) {
        out.add((Map<String, Object>) m);
      }
    }
    return out;
  }
}
