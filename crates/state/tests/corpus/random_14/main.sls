s0:
  test.succeed_with_changes:
    - order: 2
    - require_in:
      - s8
    - onfail_all:
      - s8
      - test: s4
s1:
  test.succeed_without_changes:
    - listen_in:
      - s4
      - s4
s2:
  test.fail_without_changes:
    - comment: plain
s3:
  test.succeed_with_changes:
    - require_in:
      - s4
      - test: s1
    - listen_in:
      - test: s1
s4:
  test.fail_with_changes:
    - comment: plain
s5:
  test.succeed_with_changes:
    - comment: plain
s6:
  test.nop:
    - order: -1
s7:
  test.fail_with_changes:
    - comment: plain
s8:
  test.fail_with_changes:
    - names:
      - s8_a
      - s8_b
    - require:
      - test: s5
    - watch:
      - test: s2
      - s6
