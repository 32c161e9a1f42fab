package io.vmstate.api;

/**
 * The callbacks a description may run around save and load, mirroring QEMU's {@code pre_save},
 * {@code post_save}, {@code pre_load}, {@code post_load}, {@code needed} and {@code field_exists}.
 * A hook refuses the operation by throwing, usually {@link VmStateException#rejected(String)}.
 */
public final class Hooks {
  private Hooks() {}

  /** Runs before any field is written. A failure writes nothing and skips post_save. */
  @FunctionalInterface
  public interface PreSave<T> {
    /** Prepares {@code obj} for saving; throwing refuses the save. */
    void preSave(T obj) throws VmStateException;
  }

  /** Runs after the fields and subsections were written (also after a field failure). */
  @FunctionalInterface
  public interface PostSave<T> {
    /** Runs after {@code obj} was written; throwing fails the save. */
    void postSave(T obj) throws VmStateException;
  }

  /** Runs before any field is read. */
  @FunctionalInterface
  public interface PreLoad<T> {
    /** Prepares {@code obj} for loading; throwing refuses the load. */
    void preLoad(T obj) throws VmStateException;
  }

  /** Runs after the fields and the subsections that arrived, with the received version. */
  @FunctionalInterface
  public interface PostLoad<T> {
    /** Finishes a load of {@code obj} from data at {@code versionId}; throwing refuses the load. */
    void postLoad(T obj, int versionId) throws VmStateException;
  }

  /**
   * QEMU's {@code field_exists}: decides alone whether a field is on the wire, given the version
   * being processed (the received one on load, the description's own on save). Both ends must give
   * the same answer; nothing on the wire says whether the field is present.
   */
  @FunctionalInterface
  public interface FieldExists<T> {
    /** Whether the field is on the wire for {@code obj} at {@code versionId}. */
    boolean test(T obj, int versionId);
  }

  /** QEMU's {@code needed}: evaluated on save only. */
  @FunctionalInterface
  public interface Needed<T> {
    /** Whether the subsection (or section) is sent for {@code obj}. */
    boolean test(T obj);
  }

  /** Setter of a boolean member. */
  @FunctionalInterface
  public interface BoolSetter<T> {
    /** Stores {@code value} into {@code obj}. */
    void set(T obj, boolean value);
  }
}
