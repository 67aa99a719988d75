s0:
  test.fail_without_changes:
    - onchanges_in:
      - s4
    - onfail_in:
      - s3
s1:
  test.fail_without_changes:
    - use:
      - s0
s2:
  test.nop:
    - use:
      - test: s4
s3:
  test.succeed_with_changes:
    - names:
      - s3_a
      - s3_b
    - listen_in:
      - test: s0
      - s2
s4:
  test.fail_with_changes:
    - comment: plain
