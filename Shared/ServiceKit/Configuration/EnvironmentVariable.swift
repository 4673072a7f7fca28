/// One configuration variable a service reads from its environment, with the default that
/// makes `swift run <service>` work, and the text `--help` shows.
///
/// Secrets (``secret(_:help:required:recipe:developmentDefault:)``) have no working built-in
/// value: a required one that is not set stops the service at start, naming it and saying how
/// to make a value, unless the service runs for local development (`LOCAL_DEVELOPMENT=true`),
/// where it takes its development default or a value generated for that run. Any secret may
/// also come from a file: `<NAME>_FILE=/run/secrets/…` (compose and Kubernetes secret mounts).
public struct EnvironmentVariable: Sendable, Hashable {
    public let name: String
    public let defaultValue: String
    public let help: String
    /// Secrets are never printed (not in `--help` defaults, not in logs).
    public let isSecret: Bool
    /// Outside local development the service does not start without a non-empty value.
    public let isRequired: Bool
    /// The value used when unset, in local development only.
    public let developmentDefault: String?
    /// How an operator makes a value of this secret.
    public let recipe: SecretRecipe?

    public init(_ name: String, default defaultValue: String, help: String, isSecret: Bool = false) {
        self.init(name: name, defaultValue: defaultValue, help: help, isSecret: isSecret, isRequired: false,
                  developmentDefault: nil, recipe: nil)
    }

    private init(name: String, defaultValue: String, help: String, isSecret: Bool, isRequired: Bool,
                 developmentDefault: String?, recipe: SecretRecipe?) {
        self.name = name
        self.defaultValue = defaultValue
        self.help = help
        self.isSecret = isSecret
        self.isRequired = isRequired
        self.developmentDefault = developmentDefault
        self.recipe = recipe
    }

    /// A secret: empty unless set. `required` secrets stop the start outside local development;
    /// optional ones leave what they open closed (say what in `help`). In local development an
    /// unset secret takes `developmentDefault`, or else a value `recipe` generates for the run.
    public static func secret(_ name: String, help: String, required: Bool, recipe: SecretRecipe,
                              developmentDefault: String? = nil) -> EnvironmentVariable {
        EnvironmentVariable(name: name, defaultValue: "", help: help, isSecret: true, isRequired: required,
                            developmentDefault: developmentDefault, recipe: recipe)
    }

    /// The variable naming a file that holds this secret's value.
    public var fileVariable: String { name + "_FILE" }
}
