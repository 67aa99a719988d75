include:
  - lib
exclude:
  - id: lib_two_0
extend:
  lib_one_0:
    test:
      - comment: extended
main_0:
  cmd.run:
    - name: echo main_0
    - onlyif: 'true'
main_1:
  cmd.run:
    - name: echo main_1
    - onlyif: 'false'
main_2:
  test.fail_without_changes:
    - names:
      - main_2_x
      - main_2_y:
        - comment: y
