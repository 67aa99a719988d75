//! Salt's terminal colours (`salt.utils.color.get_colors`): each is an SGR
//! sequence that first resets (`\x1b[0;...m`), and with colour off every
//! one is the empty string, so the layout code never branches on colour.

/// The colours the outputters here use, as Salt spells them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Palette {
    pub cyan: &'static str,
    pub green: &'static str,
    pub red: &'static str,
    pub light_red: &'static str,
    pub light_yellow: &'static str,
    pub endc: &'static str,
}

const ON: Palette = Palette {
    cyan: "\x1b[0;36m",
    green: "\x1b[0;32m",
    red: "\x1b[0;31m",
    light_red: "\x1b[0;1;31m",
    light_yellow: "\x1b[0;1;33m",
    endc: "\x1b[0;0m",
};

const OFF: Palette = Palette {
    cyan: "",
    green: "",
    red: "",
    light_red: "",
    light_yellow: "",
    endc: "",
};

impl Palette {
    pub fn new(color: bool) -> Palette {
        if color { ON } else { OFF }
    }
}
