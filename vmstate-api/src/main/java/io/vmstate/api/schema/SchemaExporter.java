package io.vmstate.api.schema;

import static com.google.common.base.Preconditions.checkNotNull;

import io.vmstate.api.ArrayField;
import io.vmstate.api.BufferField;
import io.vmstate.api.Field;
import io.vmstate.api.ListField;
import io.vmstate.api.ScalarField;
import io.vmstate.api.StructField;
import io.vmstate.api.TmpField;
import io.vmstate.api.TreeField;
import io.vmstate.api.ValidateField;
import io.vmstate.api.VarCount;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.WireType;
import io.vmstate.api.schema.proto.DescriptionSchema;
import io.vmstate.api.schema.proto.FieldSchema;
import io.vmstate.api.schema.proto.Origin;
import io.vmstate.api.schema.proto.Presence;
import io.vmstate.api.schema.proto.SchemaSet;
import io.vmstate.api.schema.proto.SectionSchema;
import io.vmstate.api.schema.proto.VarCountSchema;
import java.util.OptionalLong;

/**
 * Turns descriptions into {@link DescriptionSchema} messages that carry the wire layout: for every
 * field its wire type, element size in wire bytes, element count, sub-array start, 2-D shape,
 * variable count source and nested descriptions.
 *
 * <p>Sizes are wire bytes, unlike QEMU's {@code -dump-vmstate}, whose {@code size} is the C member
 * size (for an embedded struct the host {@code sizeof}). A nested struct's element size is the
 * child's fixed wire size at the version it is processed at; it is absent when the child's size
 * depends on the state (variable arrays, existence tests, subsections, containers).
 *
 * <pre>{@code
 * SchemaSet set = SchemaExporter.set("virt").add(ArmGic.ARM_GIC).add("arm-gicv3", ArmGicV3.ARM_GICV3)
 *     .build();
 * }</pre>
 */
public final class SchemaExporter {
  private SchemaExporter() {}

  /** The schema of one description and, recursively, its fields and subsections. */
  public static DescriptionSchema export(VmStateDescription<?> description) {
    checkNotNull(description, "description");
    return describe(description);
  }

  /** A section keyed by the description name, as QEMU keys a sysbus device by its class. */
  public static SectionSchema section(VmStateDescription<?> description) {
    return section(description.name(), description);
  }

  /** A section under an explicit key (e.g. QEMU's class name {@code arm-gicv3}). */
  public static SectionSchema section(String key, VmStateDescription<?> description) {
    checkNotNull(key, "key");
    return SectionSchema.newBuilder()
        .setKey(key)
        .setVersionId(description.version())
        .setMinimumVersionId(description.minimumVersion())
        .setDescription(export(description))
        .build();
  }

  /** Starts a set of sections, like one {@code -dump-vmstate} file for {@code machine}. */
  public static SetBuilder set(String machine) {
    return new SetBuilder(machine);
  }

  /** Collects sections in the order added. */
  public static final class SetBuilder {
    private final SchemaSet.Builder set;

    private SetBuilder(String machine) {
      set = SchemaSet.newBuilder().setOrigin(Origin.VMSTATE_JAVA).setMachine(checkNotNull(machine));
    }

    /** Adds a section for {@code description}, keyed by its name. */
    public SetBuilder add(VmStateDescription<?> description) {
      set.addSections(section(description));
      return this;
    }

    /**
     * Adds a section for {@code description} under {@code key} (e.g. an idstr with an instance).
     */
    public SetBuilder add(String key, VmStateDescription<?> description) {
      set.addSections(section(key, description));
      return this;
    }

    /** The set of the sections added, in the order added. */
    public SchemaSet build() {
      return set.build();
    }
  }

  private static DescriptionSchema describe(VmStateDescription<?> d) {
    DescriptionSchema.Builder b =
        DescriptionSchema.newBuilder()
            .setName(d.name())
            .setVersionId(d.version())
            .setMinimumVersionId(d.minimumVersion())
            .setPriority(d.priority().name())
            .setUnmigratable(d.isUnmigratable())
            .setPresence(d.needed() == null ? Presence.ALWAYS : Presence.WHEN_NEEDED)
            .setHasFieldTable(!d.fields().isEmpty());
    for (Field<?> f : d.fields()) {
      if (!(f instanceof ValidateField)) {
        b.addFields(field(f));
      }
    }
    for (VmStateDescription<?> s : d.subsections()) {
      b.addSubsections(describe(s));
    }
    return b.build();
  }

  private static FieldSchema field(Field<?> f) {
    FieldSchema.Builder b =
        FieldSchema.newBuilder()
            .setName(f.name())
            .setWireType(f.wireType().qemuName())
            .setVersionId(f.versionId())
            .setHasExistsTest(f.hasExistsTest());
    if (f instanceof ScalarField<?> s) {
      fixed(b, s.wireType().width(), 1);
    } else if (f instanceof ArrayField<?> a) {
      arrayShape(b, a);
    } else if (f instanceof BufferField<?> buf) {
      bufferShape(b, buf);
    } else if (f instanceof StructField<?, ?> s) {
      structShape(b, s);
    } else if (f instanceof TmpField<?, ?> t) {
      DescriptionSchema child = describe(t.child());
      b.setChild(child).setCount(1);
      fixedWireSize(child, t.child().version()).ifPresent(n -> fixed(b, (int) n, 1));
    } else if (f instanceof ListField<?, ?> l) {
      b.setChild(describe(l.element()));
    } else if (f instanceof TreeField<?, ?, ?> t) {
      b.setChild(describe(t.valueDescription()));
      if (!t.isDirectKey()) {
        b.setKeyChild(describe(t.keyDescription()));
      }
    } else {
      throw new IllegalStateException("no schema mapping for " + f.getClass().getName());
    }
    return b.build();
  }

  private static void arrayShape(FieldSchema.Builder b, ArrayField<?> a) {
    b.setArray(a.varCount() == null).setStart(a.start());
    if (a.rows() > 0) {
      b.setRows(a.rows()).setColumns(a.columns());
    }
    int width = a.wireType().width();
    if (width > 0) {
      b.setElementSize(width);
    }
    if (a.varCount() != null) {
      b.setVarCount(varCount(a.varCount()));
    } else {
      b.setCount(a.fixedCount());
      if (width > 0) {
        b.setWireSize((long) width * a.fixedCount());
      }
    }
  }

  private static void bufferShape(FieldSchema.Builder b, BufferField<?> buf) {
    b.setStart(buf.start());
    if (buf.varCount() != null) {
      b.setVarCount(varCount(buf.varCount()));
      if (buf.wireType() == WireType.BUFFER) {
        b.setElementSize(buf.size());
      }
    } else {
      fixed(b, buf.fixedWireSize(), 1);
    }
  }

  private static void structShape(FieldSchema.Builder b, StructField<?, ?> s) {
    DescriptionSchema child = describe(s.child());
    b.setChild(child).setPointerArray(s.isPointerArray()).setStart(s.start());
    if (s.structVersion() >= 0) {
      b.setStructVersion(s.structVersion());
    }
    OptionalLong size = fixedWireSize(child, s.childVersion());
    if (size.isPresent() && !s.isPointerArray()) {
      b.setElementSize((int) size.getAsLong());
    }
    if (s.varCount() != null) {
      b.setVarCount(varCount(s.varCount()));
      return;
    }
    int count = s.isArray() ? s.count() : 1;
    b.setArray(s.isArray()).setCount(count);
    if (b.hasElementSize()) {
      b.setWireSize((long) b.getElementSize() * count);
    }
  }

  private static void fixed(FieldSchema.Builder b, int elementSize, int count) {
    b.setElementSize(elementSize).setCount(count).setWireSize((long) elementSize * count);
  }

  private static VarCountSchema varCount(VarCount<?> vc) {
    return VarCountSchema.newBuilder()
        .setSource(vc.name())
        .setFieldReference(vc.isFieldReference())
        .setCountType(vc.countType().qemuName())
        .build();
  }

  /**
   * The wire bytes of {@code d} processed at {@code version}, when they do not depend on the state:
   * every field sent at that version has a fixed wire size and no existence test, and there are no
   * subsections. Empty otherwise.
   */
  public static OptionalLong fixedWireSize(DescriptionSchema d, int version) {
    if (d.getSubsectionsCount() > 0) {
      return OptionalLong.empty();
    }
    long total = 0;
    for (FieldSchema f : d.getFieldsList()) {
      if (f.getHasExistsTest()) {
        return OptionalLong.empty();
      }
      if (f.getVersionId() > version) {
        continue;
      }
      if (!f.hasWireSize()) {
        return OptionalLong.empty();
      }
      total += f.getWireSize();
    }
    return OptionalLong.of(total);
  }
}
