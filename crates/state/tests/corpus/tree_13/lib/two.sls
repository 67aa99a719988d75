lib_two_0:
  test.fail_without_changes:
    - prereq:
      - lib_two_1
lib_two_1:
  test.succeed_without_changes:
    - require_in:
      - lib_two_2
lib_two_2:
  cmd.run:
    - name: echo lib_two_2
    - onlyif: 'true'
    - require_in:
      - lib_one_1
    - listen:
      - lib_one_1
