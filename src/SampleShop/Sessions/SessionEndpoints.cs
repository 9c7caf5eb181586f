using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using Prometheus;
using SampleShop.Customers;
using SampleShop.Hosting;
using SampleShop.Simulation;

namespace SampleShop.Sessions;

public sealed record SignInRequest(int? CustomerId);

public sealed record SessionResponse(string Token, string Kid, DateTimeOffset ExpiresAt);

/// <summary>
/// Customer sessions signed by the console (SampleShop:Sessions): POST /api/sessions mints a token through the console's
/// sign API (the shop never holds a private key), GET /api/me needs one, validated with JwtBearer against the console's
/// JWKS through Microsoft.IdentityModel's ConfigurationManager (periodic refresh, and a refresh on an unknown kid).
/// </summary>
public static class SessionEndpoints
{
    public const string HttpClientName = "console-sign";

    public static readonly Counter Minted = Metrics.CreateCounter(
        "sampleshop_sessions_minted_total", "Session tokens asked of the console's sign API, by outcome (ok, refused, unavailable).", "outcome");

    public static IHostApplicationBuilder AddShopSessions(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var sessions = builder.Configuration.GetSection($"{ShopOptions.Section}:{nameof(ShopOptions.Sessions)}").Get<ShopSessionOptions>() ?? new ShopSessionOptions();
        builder.Services.AddAuthorization();
        var authentication = builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme);
        if (!sessions.Enabled)
        {
            return builder;
        }

        builder.Services.AddHttpClient(HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(5));
        authentication.AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IHttpClientFactory, IOptions<ShopOptions>>((jwt, clients, shop) =>
        {
            var s = shop.Value.Sessions;
            jwt.MapInboundClaims = false;
            jwt.RequireHttpsMetadata = false;
            jwt.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
                s.JwksUrl.ToString(), new JwksRetriever(s.Issuer), new HttpDocumentRetriever(clients.CreateClient(HttpClientName)) { RequireHttps = false })
            {
                // The minimum: the console's lead time (1h in the demo) is far longer, so a new key is held before it signs.
                AutomaticRefreshInterval = ConfigurationManager<OpenIdConnectConfiguration>.MinimumAutomaticRefreshInterval,
            };
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = s.Issuer,
                ValidAudience = s.Audience,
                ClockSkew = TimeSpan.FromSeconds(30),
            };
            jwt.Events = new JwtBearerEvents
            {
                OnTokenValidated = context =>
                {
                    TokenMetrics.Validated.WithLabels(TokenMetrics.Bounded((context.SecurityToken as JsonWebToken)?.Kid)).Inc();
                    return Task.CompletedTask;
                },
                OnAuthenticationFailed = context =>
                {
                    var raw = context.Request.Headers.Authorization.ToString();
                    raw = raw.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? raw[7..].Trim() : raw;
                    TokenMetrics.Failures.WithLabels(TokenMetrics.Reason(context.Exception), TokenMetrics.KidLabel(raw)).Inc();
                    return Task.CompletedTask;
                },
            };
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapSessions(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (!endpoints.ServiceProvider.GetRequiredService<IOptions<ShopOptions>>().Value.Sessions.Enabled)
        {
            return endpoints;
        }

        endpoints.MapPost("/api/sessions", SignInAsync).RequireRateLimiting(ShopHosting.ApiRateLimitPolicy);
        endpoints.MapGet("/api/me", MeAsync).RequireRateLimiting(ShopHosting.ApiRateLimitPolicy).RequireAuthorization();
        return endpoints;
    }

    /// <summary>A demo sign-in (no password: the shop's customers are seeded): a token for the customer, signed by the console.</summary>
    internal static async Task<IResult> SignInAsync(
        SignInRequest request, NpgsqlDataSource db, IHttpClientFactory clients, IOptions<ShopOptions> options, CancellationToken cancellationToken)
    {
        if (request.CustomerId is not { } id || id <= 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["customerId"] = ["A positive customer id is required."] });
        }

        await using (var exists = db.CreateCommand("SELECT 1 FROM shop.customers WHERE id = @id"))
        {
            exists.Parameters.Add(new NpgsqlParameter<int>("id", id));
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Customer not found", detail: $"There is no customer {id}.");
            }
        }

        var s = options.Value.Sessions;
        using var sign = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(s.ConsoleUrl!), $"/api/v1/keys/{s.Ring}/sign"))
        {
            Content = JsonContent.Create(new
            {
                claims = new { iss = s.Issuer, aud = s.Audience, sub = id.ToString(CultureInfo.InvariantCulture) },
                lifetime = ((int)s.Lifetime.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s",
            }),
        };
        sign.Headers.Authorization = new AuthenticationHeaderValue("Bearer", s.SignToken);
        try
        {
            using var response = await clients.CreateClient(HttpClientName).SendAsync(sign, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                Minted.WithLabels("refused").Inc();
                return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Sign-in unavailable",
                    detail: $"The console's sign API answered {(int)response.StatusCode}.");
            }

            var signed = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            Minted.WithLabels("ok").Inc();
            return TypedResults.Ok(new SessionResponse(
                signed.GetProperty("token").GetString()!, signed.GetProperty("kid").GetString()!, signed.GetProperty("expiresAt").GetDateTimeOffset()));
        }
        catch (HttpRequestException ex)
        {
            Minted.WithLabels("unavailable").Inc();
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Sign-in unavailable", detail: $"The console cannot be reached: {ex.Message}");
        }
    }

    /// <summary>The signed-in customer's own profile.</summary>
    internal static Task<IResult> MeAsync(HttpContext http, NpgsqlDataSource db, FaultInjector faults, CancellationToken cancellationToken) =>
        int.TryParse(http.User.FindFirst("sub")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? CustomerEndpoints.GetProfileAsync(id, db, faults, cancellationToken)
            : Task.FromResult<IResult>(TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not a customer session"));

    /// <summary>The console publishes a JWKS, not an OpenID configuration: wrap it so JwtBearer's refresh logic applies as is.</summary>
    private sealed class JwksRetriever(string issuer) : IConfigurationRetriever<OpenIdConnectConfiguration>
    {
        public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(string address, IDocumentRetriever retriever, CancellationToken cancel)
        {
            var set = new JsonWebKeySet(await retriever.GetDocumentAsync(address, cancel));
            var configuration = new OpenIdConnectConfiguration { JsonWebKeySet = set, Issuer = issuer };
            foreach (var key in set.GetSigningKeys())
            {
                configuration.SigningKeys.Add(key);
            }

            return configuration;
        }
    }
}
