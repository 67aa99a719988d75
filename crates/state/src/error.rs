//! The crate's error type. Texts that Salt produces are copied exactly,
//! since users grep for them.

/// Why the state system could not do what was asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StateError {
    /// An SLS file could not be rendered (Salt's `SaltRenderError`).
    #[error("Rendering SLS '{saltenv}:{sls}' failed: {message}")]
    Render {
        saltenv: String,
        sls: String,
        message: String,
    },
    /// A render error already worded as Salt words it (the renderer's
    /// `Rendering SLS 'base:x' failed: ...`), passed on unchanged.
    #[error("{0}")]
    RenderText(String),
    /// A top file could not be rendered.
    #[error("Unable to render top file: {0}")]
    Top(String),
    /// Compilation failed; Salt's error list, one text per problem.
    #[error("{}", .0.join("\n"))]
    Compile(Vec<String>),
    /// The arguments make no sense (Salt's `SaltInvocationError`).
    #[error("{0}")]
    Invocation(String),
    /// A state function failed while running.
    #[error("{0}")]
    Execution(String),
}
