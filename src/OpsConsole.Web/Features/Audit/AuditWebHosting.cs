using Microsoft.AspNetCore.Components.Server.Circuits;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Audit.Search;
using OpsConsole.Web.Api;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Web.Features.Audit;

/// <summary>
/// The audit log and its integrity (Audit and Audit integrity pages, /api/v1/audit): Core's trail and search, and the
/// caller's address, browser and correlation id given to the trail per request and per circuit.
/// </summary>
public static class AuditWebHosting
{
    public static WebApplicationBuilder AddAuditWeb(this WebApplicationBuilder builder, string dataDirectory)
    {
        builder.RequireShell(nameof(AddAuditWeb));
        builder.AddConsoleAudit(dataDirectory);
        builder.AddConsoleAuditSearch(dataDirectory);
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<CircuitHandler, AuditContextCircuitHandler>();
        return builder;
    }

    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapConsoleApiGroup();
        api.MapAuditApi();
        api.MapAuditIntegrityApi();
        return endpoints;
    }

    /// <summary>Called by <see cref="CorrelationIdMiddleware"/> once the request's correlation id is known.</summary>
    public static void Fill(AuditContext audit, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(http);
        audit.ClientIp = http.Connection.RemoteIpAddress?.ToString();
        audit.UserAgent = http.Request.Headers.UserAgent.ToString() is { Length: > 0 } agent ? agent : null;
        audit.CorrelationId = http.TraceIdentifier;
        AuditContext.Ambient = audit;
    }
}

/// <summary>
/// A circuit's services live in their own scope: its audit context comes from the connection that opened the circuit
/// (the WebSocket request), so actions taken on a page carry the browser's address and the connection's correlation id.
/// </summary>
public sealed class AuditContextCircuitHandler(IHttpContextAccessor accessor, AuditContext audit) : CircuitHandler
{
    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (accessor.HttpContext is { } http)
        {
            AuditWebHosting.Fill(audit, http);
        }

        return Task.CompletedTask;
    }

    /// <summary>Every event handler of the circuit runs with its context as the ambient one.</summary>
    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        context =>
        {
            AuditContext.Ambient = audit;
            return next(context);
        };
}
