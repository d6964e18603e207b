import Testing

extension Tag {
    /// Tests that start real servers and run the built binary; `swift test --skip IntegrationTests` leaves them out.
    @Tag static var integration: Self
}
