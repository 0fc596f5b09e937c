extension RecordFields {
    /// The record in the shape of `samples/activities-real.json`, with the type variance of the
    /// real API: `saasId` sometimes a string, some values null, mixed member types in
    /// `resolvedActor` and the event objects. `wildTypes` adds types the real API never sends
    /// (`created` and `appId` as strings), for parser hardening only.
    func serialize(_ rng: inout SplitMix64, wildTypes: Bool = false) -> [UInt8] {
        var w = JSONWriter(capacity: 3_072)
        // Drawn whether or not they are used, so the flag does not shift the rest of the data.
        let appIDIsString = rng.chance(0.05) && wildTypes, saasIDIsString = rng.chance(0.1)
        w.beginObject()
        w.field("_id", id)
        w.field("tenantId", Self.tenantID)
        w.field("aadTenantId", Self.aadTenantID)
        if appIDIsString { w.field("appId", String(app.id)) } else { w.field("appId", app.id) }
        if saasIDIsString { w.field("saasId", String(app.id)) } else { w.field("saasId", app.id) }
        w.field("timestamp", timestamp)
        w.field("timestampRaw", timestamp)
        let instantiation = created - Int64(rng.int(50...2_500))
        w.field("instantiation", instantiation)
        w.field("instantiationRaw", instantiation)
        if rng.chance(0.005) && wildTypes { w.field("created", String(created)) } else { w.field("created", created) }
        w.field("createdRaw", created)
        w.field("eventType", kind.eventType)
        w.field("eventTypeValue", kind.typeValue)
        w.key("eventRouting"); w.beginObject()
        w.field("auditing", true); w.field("dispersed", true); w.field("lograbber", true); w.field("scubaUnpacker", false)
        w.endObject()

        w.key("device"); w.beginObject()
        w.field("clientIP", clientIP)
        w.field("userAgent", userAgentRaw)
        w.field("countryCode", place.country)
        w.endObject()

        writeLocation(&w, &rng)

        w.key("user"); w.beginObject()
        if let userName { w.field("userName", userName) }
        w.field("userTags", strings: [rng.pick(["5f01dbbc68df27c17aa6ca81", "000000200000000000000000"])])
        w.endObject()
        if isFailedLogin {
            w.key("failedUserData"); w.beginObject(); w.field("userName", account); w.endObject()
        }
        writeUserAgent(&w)
        w.key("internals"); w.beginObject(); w.field("otherIPs", strings: [clientIP]); w.endObject()
        writeMainInfo(&w, &rng)
        w.field("confidenceLevel", rng.pick([20, 30]))
        w.field("source", 2)
        w.field("srcAppId", 11161)
        if isFailedLogin || kind.mainType == "login" {
            w.key("collected"); w.beginObject()
            w.key("aadLogins"); w.beginObject()
            w.field("MCAS_Router", false)
            w.field("correlationId", rng.uuid())
            w.field("enqueueTime", created - 150_000)
            w.field("routingTime", created - 149_900)
            w.endObject(); w.endObject()
        }
        writeRawData(&w, &rng)
        writeResolvedActor(&w)
        w.field("uid", id)
        w.field("appName", appName)
        w.field("eventTypeName", eventTypeName)
        w.field("classifications", strings: isFailedLogin || kind.mainType == "login" ? ["access"] : [])
        writeEntityData(&w)
        w.field("description_id", kind.descriptionID)
        w.key("description_metadata"); w.beginObject()
        if let category = kind.category { w.field("event_category", category) }
        w.field("operation_name", kind.operation)
        w.field("target_object", objectName)
        w.field("colon", ""); w.field("dash", "")
        w.endObject()
        w.field("description", description)
        w.field("genericEventType", kind.genericType)
        w.field("severity", "INFO")
        if !policies.isEmpty { w.field("policies", strings: policies) }
        w.endObject()
        return w.bytes
    }

    private func writeLocation(_ w: inout JSONWriter, _ rng: inout SplitMix64) {
        w.key("location"); w.beginObject()
        let category = rng.pick([0, 0, 0, 5])
        w.field("category", category)
        w.field("categoryValue", category == 5 ? "CLOUD_PROXY_NETWORK_IP" : "NONE")
        if rng.chance(0.05) { w.fieldNull("city") } else { w.field("city", place.city) }
        w.field("countryCode", place.country)
        w.field("latitude", place.latitude)
        w.field("longitude", place.longitude)
        w.field("organizationSearchable", place.org)
        w.field("region", place.region)
        w.endObject()
    }

    private func writeUserAgent(_ w: inout JSONWriter) {
        w.key("userAgent"); w.beginObject()
        w.field("browser", agent.family)
        w.field("deviceType", agent.deviceType)
        w.field("family", agent.family)
        w.field("name", agent.name)
        w.field("nativeBrowser", agent.type == "Application")
        w.key("operatingSystem"); w.beginObject()
        w.field("family", agent.osFamily); w.field("name", agent.os)
        w.endObject()
        w.field("os", agent.osFamily.uppercased())
        w.field("type", agent.type)
        w.endObject()
    }

    private func writeMainInfo(_ w: inout JSONWriter, _ rng: inout SplitMix64) {
        w.key("mainInfo"); w.beginObject()
        if isFailedLogin || kind.mainType == "login" {
            w.key("activityResult"); w.beginObject()
            w.field("isSuccess", !isFailedLogin)
            if isFailedLogin { w.field("message", "General failure") }
            w.endObject()
        }
        w.key("eventObjects"); w.beginArray()
        // The target object, then the acting user as account (21) and as AAD user (23).
        let objType = rng.chance(0.1) ? "1" : nil
        w.beginObject()
        w.field("id", rng.uuid())
        w.field("name", objectName)
        if let objType { w.field("objType", objType) } else { w.field("objType", 1) }
        w.field("role", 3)
        w.field("tags", strings: [])
        w.endObject()
        let actors = rng.chance(0.2) ? [(21, account), (23, userObjectID)] : [(21, account)]
        for (type, objectID) in actors {
            w.beginObject()
            w.field("id", objectID)
            w.field("instanceId", 0)
            w.field("name", displayName)
            w.field("objType", type)
            w.field("resolved", true)
            w.field("role", 4)
            w.field("saasId", 11161)
            w.field("tags", strings: [])
            w.endObject()
        }
        w.endArray()
        w.field("prettyOperationName", kind.operation)
        w.field("rawOperationName", kind.operation)
        w.field("type", kind.mainType)
        w.endObject()
    }

    private func writeRawData(_ w: inout JSONWriter, _ rng: inout SplitMix64) {
        w.key("rawDataJson"); w.beginObject()
        w.field("ApplicationName", app.name)
        w.field("ClientIP", clientIP)
        w.fieldNull("DataSource")
        w.field("Operation", kind.operation)
        w.field("RecordType", rng.int(1...60))
        w.field("UserId", account)
        w.field("ObjectId", objectName)
        w.endObject()
    }

    private func writeResolvedActor(_ w: inout JSONWriter) {
        // Real records send these ids as strings here while eventObjects sends numbers.
        w.key("resolvedActor"); w.beginObject()
        w.field("id", userObjectID)
        w.field("instanceId", "0")
        w.field("name", displayName)
        w.field("objType", "23")
        w.field("resolved", true)
        w.field("role", "4")
        w.field("saasId", "11161")
        w.endObject()
    }

    private func writeEntityData(_ w: inout JSONWriter) {
        // An object keyed "0", "1", …, with null holes (the fetch record in the samples).
        w.key("entityData"); w.beginObject()
        for (key, entityID) in [("0", account as String?), ("1", nil)] {
            w.key(key)
            guard let entityID else { w.null(); continue }
            w.beginObject()
            w.field("displayName", displayName)
            w.key("id"); w.beginObject()
            w.field("id", entityID); w.field("inst", 0); w.field("saas", 11161)
            w.endObject()
            w.field("resolved", true)
            w.endObject()
        }
        w.endObject()
    }
}
