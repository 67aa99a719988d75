include:
  - lib
exclude:
  - id: lib_two_2
extend:
  lib_one_0:
    test:
      - comment: extended
main_0:
  cmd.run:
    - name: echo main_0
    - onlyif: 'true'
    - require:
      - lib_two_2
