s0:
  test.fail_with_changes:
    - failhard: True
    - listen:
      - test: s2
      - test: s1
s1:
  test.fail_without_changes:
    - names:
      - s1_a
      - s1_b
    - order: 2
    - listen:
      - s4
s2:
  test.succeed_without_changes:
    - require_in:
      - s4
s3:
  test.fail_with_changes:
    - failhard: True
    - watch_any:
      - test: s4
s4:
  test.nop:
    - watch_in:
      - test: s2
