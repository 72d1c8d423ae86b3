//! The cities of the generated catalog: where they are, their PIN codes and neighbourhoods.

/// A city: name, centre, PIN code prefix, share of theaters.
pub struct City {
    /// Name.
    pub name: &'static str,
    /// Latitude of the centre.
    pub lat: f64,
    /// Longitude of the centre.
    pub lng: f64,
    /// First three digits of its PIN codes.
    pub pin: &'static str,
    /// Relative number of theaters.
    pub weight: u32,
    /// Neighbourhoods, for theater names.
    pub areas: &'static [&'static str],
}

/// The cities, biggest first.
pub const CITIES: &[City] = &[
    City {
        name: "Mumbai",
        lat: 19.076,
        lng: 72.8777,
        pin: "400",
        weight: 14,
        areas: &[
            "Andheri",
            "Bandra",
            "Lower Parel",
            "Powai",
            "Malad",
            "Ghatkopar",
            "Worli",
        ],
    },
    City {
        name: "Delhi",
        lat: 28.6139,
        lng: 77.209,
        pin: "110",
        weight: 13,
        areas: &[
            "Saket",
            "Vasant Kunj",
            "Rajouri Garden",
            "Connaught Place",
            "Dwarka",
            "Janakpuri",
        ],
    },
    City {
        name: "Bengaluru",
        lat: 12.9716,
        lng: 77.5946,
        pin: "560",
        weight: 12,
        areas: &[
            "Koramangala",
            "Whitefield",
            "Indiranagar",
            "Jayanagar",
            "Malleshwaram",
            "Hebbal",
        ],
    },
    City {
        name: "Hyderabad",
        lat: 17.385,
        lng: 78.4867,
        pin: "500",
        weight: 11,
        areas: &[
            "Banjara Hills",
            "Gachibowli",
            "Kukatpally",
            "Ameerpet",
            "Secunderabad",
            "Madhapur",
        ],
    },
    City {
        name: "Chennai",
        lat: 13.0827,
        lng: 80.2707,
        pin: "600",
        weight: 10,
        areas: &[
            "T. Nagar",
            "Velachery",
            "Anna Nagar",
            "Vadapalani",
            "Adyar",
            "Porur",
        ],
    },
    City {
        name: "Kolkata",
        lat: 22.5726,
        lng: 88.3639,
        pin: "700",
        weight: 8,
        areas: &["Salt Lake", "Park Street", "Howrah", "Behala", "New Town"],
    },
    City {
        name: "Pune",
        lat: 18.5204,
        lng: 73.8567,
        pin: "411",
        weight: 8,
        areas: &["Kothrud", "Viman Nagar", "Hinjewadi", "Camp", "Aundh"],
    },
    City {
        name: "Kochi",
        lat: 9.9312,
        lng: 76.2673,
        pin: "682",
        weight: 5,
        areas: &["Edappally", "Vyttila", "Kakkanad", "Fort Kochi"],
    },
    City {
        name: "Ahmedabad",
        lat: 23.0225,
        lng: 72.5714,
        pin: "380",
        weight: 6,
        areas: &["Satellite", "Navrangpura", "Bopal", "Maninagar"],
    },
    City {
        name: "Jaipur",
        lat: 26.9124,
        lng: 75.7873,
        pin: "302",
        weight: 5,
        areas: &["Malviya Nagar", "Vaishali Nagar", "C-Scheme", "Mansarovar"],
    },
    City {
        name: "Lucknow",
        lat: 26.8467,
        lng: 80.9462,
        pin: "226",
        weight: 4,
        areas: &["Gomti Nagar", "Hazratganj", "Alambagh"],
    },
    City {
        name: "Chandigarh",
        lat: 30.7333,
        lng: 76.7794,
        pin: "160",
        weight: 3,
        areas: &["Sector 17", "Elante", "Zirakpur"],
    },
];
