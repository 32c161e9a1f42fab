package io.vmstate.api;

import com.google.common.collect.ImmutableList;
import java.util.List;

/** A pre-flight check found state that would not load; every problem is listed. */
public class IncompatibleSchemaException extends VmStateException {
  private static final long serialVersionUID = 1L;

  private final ImmutableList<String> problems;

  private IncompatibleSchemaException(List<String> problems) {
    super(
        problems.size()
            + " incompatibilit"
            + (problems.size() == 1 ? "y" : "ies")
            + ": "
            + String.join("; ", problems),
        null);
    this.problems = ImmutableList.copyOf(problems);
  }

  /** Made from the checker's error lines. */
  public static IncompatibleSchemaException of(List<String> problems) {
    return new IncompatibleSchemaException(problems);
  }

  /**
   * The checker's error lines, one per incompatibility (never empty when thrown by the checker).
   */
  public ImmutableList<String> problems() {
    return problems;
  }

  // Covariant context setters, so callers keep the concrete type without a cast.

  @Override
  public IncompatibleSchemaException atOffset(long byteOffset) {
    super.atOffset(byteOffset);
    return this;
  }

  @Override
  public IncompatibleSchemaException inField(String segment) {
    super.inField(segment);
    return this;
  }

  @Override
  public IncompatibleSchemaException inSection(SectionRef ref) {
    super.inSection(ref);
    return this;
  }
}
