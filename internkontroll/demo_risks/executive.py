"""Demo risk registers of the kommunstyrelse and the municipal housing company."""

from __future__ import annotations

from internkontroll.demo_risks.model import ACTION, CONTROL, MONITOR, DemoRisk, Score

KS = (
    DemoRisk(
        "Attest och utbetalning",
        "Ekonomisk risk",
        "Behörigheter i ekonomisystemet följer inte attestförteckningen",
        "Medarbetare som bytt tjänst eller slutat har kvar attesträtt, och samma person kan "
        "både registrera och attestera en leverantörsfaktura.",
        "Felaktiga eller oegentliga utbetalningar kan göras utan att upptäckas. Revisorerna "
        "har påtalat bristen tidigare.",
        "Ekonomichef",
        last=Score(3, 3, CONTROL),
        this=Score(
            2,
            3,
            CONTROL,
            "Behörigheterna rensades under hösten och stickproven visade få avvikelser. "
            "Sannolikheten sänks men kontrollen behålls ett år till.",
        ),
    ),
    DemoRisk(
        "Attest och utbetalning",
        "Ekonomisk risk",
        "Utbetalning till bedragare efter falsk ändring av bankuppgifter",
        "Bedragare utger sig för att vara en leverantör och begär att betalningar ska gå "
        "till ett nytt bankkonto. Ändringen görs i leverantörsregistret utan kontroll.",
        "Stora belopp kan gå förlorade och är sällan möjliga att få tillbaka.",
        "Redovisningschef",
        last=Score(3, 4, CONTROL),
        this=Score(3, 4, CONTROL),
    ),
    DemoRisk(
        "Löneutbetalning",
        "Ekonomisk risk",
        "Lönefel vid ändringar i anställningen",
        "Tjänstledigheter, ändrad sysselsättningsgrad och avslutade anställningar registreras "
        "för sent i lönesystemet.",
        "Medarbetare får för hög eller för låg lön, och återkrav tar tid och skadar "
        "förtroendet för arbetsgivaren.",
        "Lönechef",
        last=Score(3, 2, MONITOR),
        this=Score(4, 2, CONTROL, "Antalet återkrav av lön ökade under året; kontroll införs."),
    ),
    DemoRisk(
        "Informationssäkerhet",
        "IT-risk",
        "Intrång genom nätfiske eller skadlig kod",
        "Medarbetare lockas att lämna ut inloggningsuppgifter eller öppna bilagor med skadlig kod.",
        "Verksamhetssystem kan slås ut i flera dygn och personuppgifter kan läcka.",
        "Informationssäkerhetssamordnare",
        last=Score(3, 4, ACTION, "Obligatorisk utbildning för alla medarbetare under våren."),
        this=Score(
            3,
            4,
            CONTROL,
            "Utbildningen är genomförd; nu kontrolleras att den fungerar genom "
            "simulerade nätfiskeutskick.",
        ),
    ),
    DemoRisk(
        "Informationssäkerhet",
        "Legal risk",
        "Personuppgifter behandlas i strid med dataskyddsförordningen",
        "Personuppgifter sparas i e-post och på gemensamma ytor, registerförteckningen är "
        "ofullständig och gallring sker inte enligt informationshanteringsplanen.",
        "Sanktionsavgift från IMY och skadat förtroende hos kommuninvånarna.",
        "Dataskyddssamordnare",
        last=Score(3, 3, CONTROL),
        this=Score(3, 3, CONTROL),
    ),
    DemoRisk(
        "Upphandling och inköp",
        "Förtroenderisk",
        "Mutor och jäv vid upphandling och inköp",
        "Medarbetare eller förtroendevalda med jäv deltar i beslut om upphandling, eller tar "
        "emot gåvor och förmåner från leverantörer.",
        "Brott mot lagen om offentlig upphandling och allvarligt skadat förtroende.",
        "Upphandlingschef",
        last=Score(2, 4, MONITOR),
        this=Score(2, 4, MONITOR),
    ),
    DemoRisk(
        "Upphandling och inköp",
        "Legal risk",
        "Direktupphandlingar över gränsvärdet och köp utanför avtal",
        "Verksamheterna köper av leverantörer utan avtal och delar upp köp så att "
        "direktupphandlingsgränsen inte syns.",
        "Otillåten direktupphandling kan ge upphandlingsskadeavgift och högre kostnader.",
        "Upphandlingschef",
        last=Score(3, 2, CONTROL),
        this=Score(3, 2, CONTROL),
    ),
    DemoRisk(
        "Delegation och beslut",
        "Legal risk",
        "Beslut fattas utan stöd i delegationsordningen",
        "Tjänstepersoner fattar beslut de inte har delegation för, eller anmäler inte "
        "delegationsbesluten till nämnden.",
        "Besluten kan vara ogiltiga och kan inte överklagas på rätt sätt.",
        "Kanslichef",
        last=Score(2, 3, CONTROL),
        this=Score(
            1,
            3,
            MONITOR,
            "Delegationsordningen är reviderad och delegationsbeslut anmäls nu digitalt.",
        ),
    ),
    DemoRisk(
        "Diarieföring och allmänna handlingar",
        "Förtroenderisk",
        "Allmänna handlingar diarieförs inte eller lämnas inte ut skyndsamt",
        "Inkomna handlingar blir liggande i personliga inkorgar och begäran om utlämnande "
        "hanteras inte samma dag.",
        "Brott mot offentlighetsprincipen och kritik från JO.",
        "Registrator",
        last=Score(2, 2, MONITOR),
        this=Score(2, 2, MONITOR),
    ),
    DemoRisk(
        "Informationssäkerhet",
        "IT-risk",
        "Reservrutiner saknas vid längre IT-avbrott",
        "Verksamheterna saknar övade reservrutiner om verksamhetssystem eller nätverk ligger "
        "nere i flera dygn, till exempel efter en attack mot en leverantör.",
        "Utbetalningar, myndighetsbeslut och samhällsviktig verksamhet kan stanna.",
        "Säkerhetschef",
        this=Score(
            2,
            4,
            ACTION,
            "Ny risk: kontinuitetsplaner tas fram för de mest kritiska systemen.",
        ),
    ),
)

BOST = (
    DemoRisk(
        "Hyresavier och kravhantering",
        "Ekonomisk risk",
        "Hyresfordringar följs inte upp",
        "Obetalda hyror skickas inte vidare till påminnelse och inkasso enligt kravrutinen.",
        "Kundförlusterna ökar och hyresgäster hamnar i onödigt stora skulder.",
        "Ekonomichef",
        last=Score(2, 3, CONTROL),
        this=Score(2, 3, CONTROL),
    ),
    DemoRisk(
        "Hyresavier och kravhantering",
        "Ekonomisk risk",
        "Nya hyror läggs in fel efter hyresförhandlingen",
        "Hyreshöjningen enligt årets förhandling läggs in fel eller för sent i hyressystemet.",
        "Felaktiga hyresavier, intäktsbortfall och många kundkontakter.",
        "Hyresadministratör",
        last=Score(2, 2, CONTROL),
        this=Score(2, 2, MONITOR, "Förra årets kontroll gav ingen anmärkning."),
    ),
    DemoRisk(
        "Uthyrning och kö",
        "Legal risk",
        "Hyresavtal saknas eller är ofullständiga",
        "Avtal för lokaler och andrahandsuthyrning saknas, är inte undertecknade eller har "
        "inte omförhandlats.",
        "Bolaget kan inte kräva ut rätt hyra och står svagt vid tvist.",
        "Uthyrningschef",
        last=Score(3, 2, CONTROL),
        this=Score(
            3,
            3,
            CONTROL,
            "Revisorerna fann lokalavtal utan indexklausul; konsekvensen bedöms högre.",
        ),
    ),
    DemoRisk(
        "Uthyrning och kö",
        "Förtroenderisk",
        "Lägenheter fördelas vid sidan av bostadskön",
        "Lägenheter hyrs ut till bekanta eller mot ersättning i stället för enligt "
        "kö- och uthyrningsreglerna.",
        "Mutbrott och allvarligt skadat förtroende för det kommunala bostadsbolaget.",
        "Uthyrningschef",
        last=Score(2, 4, CONTROL),
        this=Score(2, 4, CONTROL),
    ),
    DemoRisk(
        "Underhållsplanering",
        "Ekonomisk risk",
        "Underhållsplanen är inaktuell",
        "Underhållsplanen bygger på besiktningar som är äldre än fem år och är inte "
        "kopplad till budgeten.",
        "Eftersatt underhåll, akuta skador och högre kostnader på sikt.",
        "Fastighetschef",
        last=Score(3, 3, CONTROL),
        this=Score(3, 4, CONTROL, "Stambyten i 1970-talsbeståndet närmar sig; konsekvensen höjs."),
    ),
    DemoRisk(
        "Upphandling av entreprenader",
        "Legal risk",
        "Beställningar görs utanför ramavtal för hantverkstjänster",
        "Ramavtal löper ut utan ny upphandling och beställningar görs direkt av hantverkare.",
        "Otillåten direktupphandling och högre priser.",
        "Inköpsansvarig",
        last=Score(2, 3, MONITOR),
        this=Score(2, 3, MONITOR),
    ),
    DemoRisk(
        "Underhållsplanering",
        "Legal risk",
        "Systematiskt brandskyddsarbete följs inte",
        "Brandskyddskontroller i trapphus och allmänna utrymmen görs inte enligt rutinen.",
        "Människor kan skadas och bolaget kan föreläggas av räddningstjänsten.",
        "Säkerhetsansvarig",
        last=Score(1, 4, CONTROL),
        this=Score(1, 4, CONTROL),
    ),
    DemoRisk(
        "Underhållsplanering",
        "Verksamhetsrisk",
        "Fukt och mögel i lägenheter upptäcks sent",
        "Felanmälningar om fukt följs inte upp och lägenheter besiktas inte vid flytt.",
        "Hälsorisker för hyresgäster och dyra saneringar.",
        "Fastighetschef",
        this=Score(2, 3, ACTION, "Ny risk: besiktning vid varje avflyttning införs under året."),
    ),
)
