namespace OpsConsole.Web.Hosting;

/// <summary>
/// The order rules of <see cref="ConsoleHostExtensions.AddConsoleHost"/> as checks: a capability registered before what
/// it needs stops the start at once, naming both and the reason, instead of misbehaving later.
/// </summary>
public static class RegistrationOrder
{
    /// <summary>Every Web slice comes after <see cref="ConsoleHostExtensions.AddConsoleShell"/>.</summary>
    public static void RequireShell(this IHostApplicationBuilder builder, string caller) =>
        builder.Require<TrackingCircuitHandler>(nameof(ConsoleHostExtensions.AddConsoleShell), caller,
            "its observability configures the process-wide metrics registry before anything registers metrics");

    /// <summary>Throws unless a service of type <typeparamref name="TPrerequisite"/> (or implemented by it) is registered.</summary>
    public static void Require<TPrerequisite>(this IHostApplicationBuilder builder, string prerequisite, string caller, string reason)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!builder.Services.Any(d => d.ServiceType == typeof(TPrerequisite) || d.ImplementationType == typeof(TPrerequisite)))
        {
            throw new InvalidOperationException($"Call {prerequisite} before {caller}: {reason}.");
        }
    }
}
