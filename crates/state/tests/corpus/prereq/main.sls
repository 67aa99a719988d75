will_change:
  test.succeed_with_changes: []
wont_change:
  test.succeed_without_changes: []
before_change:
  test.succeed_with_changes:
    - prereq:
      - will_change
before_nothing:
  test.succeed_with_changes:
    - prereq:
      - wont_change
prereq_in_source:
  test.succeed_with_changes:
    - prereq_in:
      - test: prereq_in_target
prereq_in_target:
  test.succeed_with_changes: []
prereq_failing_pre:
  test.fail_with_changes:
    - prereq:
      - test: prereq_target_2
prereq_target_2:
  test.succeed_with_changes: []
