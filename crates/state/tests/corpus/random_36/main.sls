s0:
  test.succeed_with_changes:
    - order: 1
s1:
  test.fail_without_changes:
    - use:
      - test: s2
s2:
  test.nop:
    - names:
      - s2_a
      - s2_b
    - order: last
    - watch_in:
      - s3
s3:
  test.succeed_with_changes:
    - names:
      - s3_a
      - s3_b
    - order: last
    - require_any:
      - test: s7
      - test: s5
s4:
  test.succeed_with_changes:
    - watch:
      - test: s6
s5:
  test.succeed_without_changes:
    - order: last
    - listen_in:
      - s7
s6:
  test.succeed_without_changes:
    - require:
      - s5
s7:
  test.succeed_with_changes:
    - watch_in:
      - test: s3
      - s1
