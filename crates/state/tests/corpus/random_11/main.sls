s0:
  test.fail_without_changes:
    - names:
      - s0_a
      - s0_b
    - listen_in:
      - s2
s1:
  test.fail_without_changes:
    - comment: plain
s2:
  test.fail_without_changes:
    - require:
      - test: s1
s3:
  test.fail_without_changes:
    - comment: plain
s4:
  test.fail_without_changes:
    - comment: plain
s5:
  test.fail_with_changes:
    - order: 2
    - require_in:
      - test: s4
s6:
  test.fail_with_changes:
    - comment: plain
